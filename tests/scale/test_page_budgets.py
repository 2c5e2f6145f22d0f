"""Every page of the scale table has a pinned query budget, whatever the catalogue holds.

The budgets are checked on a population of 60 assets and again after it grows to 120, so a
query per row (or per page of rows) shows up as a failure here, long before it does at 1M.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from aiassets.models import ApiToken, Asset, GenerativeModel
from ops import rollups

from .conftest import COMMON

pytestmark = pytest.mark.django_db

BUDGETS = {  # page -> most queries it may make (session and user lookups included)
    "gallery": 4,
    "gallery_keyset": 4,
    "gallery_offset": 4,
    "gallery_search": 4,
    "gallery_search_model_page2": 4,
    "asset_page": 2,
    "admin_assets": 6,
    "admin_assets_searched": 6,
    "admin_assets_model": 6,
    "queue_needs_review": 10,
    "queue_auto_rejected": 10,
    "review_page": 14,
    "dashboard": 12,  # the rollup snapshot reads its watermark first (ops.rollups._tail)
    "metrics": 7,  # likewise
    "api_get": 4,
}


@pytest.fixture
def urls(client, settings):
    settings.METRICS_TOKEN = "scale-token"
    user = get_user_model().objects.create_superuser("scale", "scale@example.test", "pw")
    _, raw = ApiToken.issue("scale")

    def build() -> dict[str, tuple[str, dict]]:
        public = Asset.objects.public().order_by("-created_at", "-id")
        newest, queued = public.first(), Asset.objects.filter(moderation_status="in_review")
        model = GenerativeModel.objects.order_by("pk").first()
        first = client.get(f"/?q={COMMON}&model={model.pk}").context["page"]
        after = client.get("/").context["page"].next_query
        return {
            "gallery": ("/", {}),
            "gallery_keyset": (f"/?{after}", {}),
            "gallery_offset": ("/?page=2", {}),
            "gallery_search": (f"/?q={COMMON}", {}),
            "gallery_search_model_page2": (f"/?{first.next_query or 'q=x'}", {}),
            "asset_page": (f"/images/{newest.pk}/", {}),
            "admin_assets": ("/admin/aiassets/asset/", {}),
            "admin_assets_searched": (f"/admin/aiassets/asset/?q={COMMON}", {}),
            "admin_assets_model": (
                f"/admin/aiassets/asset/?provenance__model__id__exact={model.pk}",
                {},
            ),
            "queue_needs_review": ("/admin/moderation/needsreview/", {}),
            "queue_auto_rejected": ("/admin/moderation/autorejected/", {}),
            "review_page": (f"/admin/moderation/needsreview/{queued.first().pk}/change/", {}),
            "dashboard": ("/admin/ops/dashboard/", {}),
            "metrics": ("/metrics", {"HTTP_AUTHORIZATION": "Bearer scale-token"}),
            "api_get": (f"/api/v1/assets/{newest.pk}", {"HTTP_AUTHORIZATION": f"Bearer {raw}"}),
        }

    client.force_login(user)
    return build


@pytest.mark.parametrize("size", [60, 120])
def test_every_page_within_its_query_budget(
    client, population, urls, size, django_assert_max_num_queries
):
    population(size)
    for name, (url, headers) in urls().items():
        with django_assert_max_num_queries(BUDGETS[name], info=name):
            response = client.get(url, **headers)
        assert response.status_code == 200, (name, url, response.status_code)


def test_metrics_budget_holds_before_and_after_the_first_rollup(
    client, population, urls, django_assert_max_num_queries
):
    population(40)
    url, headers = urls()["metrics"]
    with django_assert_max_num_queries(7):
        assert client.get(url, **headers).status_code == 200
    rollups.refresh()
    with django_assert_max_num_queries(6):
        assert client.get(url, **headers).status_code == 200
