"""Every page of the scale table has a pinned query budget, whatever the catalogue holds.

The budgets are checked on a population of 60 assets and again after it grows to 120, so a
query per row (or per page of rows) shows up as a failure here, long before it does at 1M.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from aiassets.models import (
    ASSET_DETAIL_ONLY,
    PROVENANCE_DETAIL_ONLY,
    ApiToken,
    Asset,
    Collection,
    GenerativeModel,
)
from ops import rollups

from .conftest import COMMON, SHELF, TAG_COMMON

pytestmark = pytest.mark.django_db

BUDGETS = {  # page -> most queries it may make (session and user lookups included)
    "gallery": 4,
    "gallery_keyset": 4,
    "gallery_offset": 4,
    "gallery_search": 4,
    "gallery_search_model_page2": 4,
    # +1: the tag's id (and the collection's row), looked up before the assets' query.
    "gallery_tag": 5,
    "gallery_tag_keyset": 5,
    "gallery_collection": 5,
    "gallery_collection_tag_keyset": 6,
    "asset_page": 3,  # +1: the asset's tags
    # The asset list: +1 query each for the tag and collection filters' choices (their tables).
    "admin_assets": 8,
    "admin_assets_searched": 8,
    "admin_assets_model": 8,
    "admin_assets_tag": 8,
    "admin_assets_collection": 8,
    # The header takes the list's count (no second count); +2: the page's uploaders and
    # claims, fetched apart (joining them cost more in planning than the two queries).
    "queue_needs_review": 11,
    "queue_auto_rejected": 11,
    "review_page": 14,
    # Rollup watermark first (ops.rollups._tail); the queue as two counts; +2 on a view that
    # counts the completed hours of ingests and decisions (cached until the hour ends).
    "dashboard": 15,
    "metrics": 7,  # likewise
    "api_get": 6,  # +2: tags and collections
    # The list: token, two index walks, then variants, tags and collections for the page.
    "api_list": 7,
    "api_list_tag": 8,
    "api_list_collection_page2": 8,
}


def admin_asset_urls(model, tag, shelf) -> dict[str, tuple[str, dict]]:
    base = "/admin/aiassets/asset/"
    return {
        "admin_assets": (base, {}),
        "admin_assets_searched": (f"{base}?q={COMMON}", {}),
        "admin_assets_model": (f"{base}?model={model.pk}", {}),
        "admin_assets_tag": (f"{base}?tag={tag.pk}", {}),
        "admin_assets_collection": (f"{base}?collection={shelf.pk}", {}),
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
        tag, shelf = Tag.objects.get(name=TAG_COMMON), Collection.objects.get(slug=SHELF)
        first = client.get(f"/?q={COMMON}&model={model.pk}").context["page"]
        after = client.get("/").context["page"].next_query
        tagged = client.get(f"/?tag={TAG_COMMON}").context["page"].next_query
        shelved = client.get(f"/?collection={SHELF}&tag={TAG_COMMON}").context["page"]
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        api_next = client.get(f"/api/v1/assets?collection={SHELF}&limit=5", **auth)
        return {
            "gallery": ("/", {}),
            "gallery_keyset": (f"/?{after}", {}),
            "gallery_offset": ("/?page=2", {}),
            "gallery_search": (f"/?q={COMMON}", {}),
            "gallery_search_model_page2": (f"/?{first.next_query or 'q=x'}", {}),
            "gallery_tag": (f"/?tag={TAG_COMMON}", {}),
            "gallery_tag_keyset": (f"/?{tagged}", {}),
            "gallery_collection": (f"/?collection={SHELF}", {}),
            "gallery_collection_tag_keyset": (f"/?{shelved.next_query}", {}),
            "asset_page": (f"/images/{newest.pk}/", {}),
            **admin_asset_urls(model, tag, shelf),
            "queue_needs_review": ("/admin/moderation/needsreview/", {}),
            "queue_auto_rejected": ("/admin/moderation/autorejected/", {}),
            "review_page": (f"/admin/moderation/needsreview/{queued.first().pk}/change/", {}),
            "dashboard": ("/admin/ops/dashboard/", {}),
            "metrics": ("/metrics", {"HTTP_AUTHORIZATION": "Bearer scale-token"}),
            "api_get": (f"/api/v1/assets/{newest.pk}", auth),
            "api_list": ("/api/v1/assets?limit=100", auth),
            "api_list_tag": (f"/api/v1/assets?tag={TAG_COMMON}&limit=100", auth),
            "api_list_collection_page2": (
                f"/api/v1/assets?collection={SHELF}&limit=5&cursor={api_next.json()['next_cursor']}",
                auth,
            ),
        }

    client.force_login(user)
    return build


@pytest.mark.parametrize("size", [60, 120])
def test_every_page_within_its_query_budget(
    client, population, urls, size, django_assert_max_num_queries
):
    population(size)
    pages = urls()
    for name in ("gallery_tag_keyset", "gallery_collection_tag_keyset"):
        assert "after=" in pages[name][0], f"{name}: the filtered gallery has a second page"
    for name, (url, headers) in pages.items():
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


@pytest.mark.parametrize(
    "url",
    [
        "/admin/aiassets/asset/",
        "/admin/aiassets/asset/?q=lighthouse",
        "/admin/moderation/needsreview/",
        "/admin/moderation/autorejected/",
    ],
)
def test_change_lists_leave_detail_only_columns_unread(client, population, urls, url):
    """The lists defer what only an asset's page shows (models.LIST_DEFERRED): no JSON
    document is fetched for 50 rows, and none is read back a row at a time either."""
    population(60)
    urls()  # logs the superuser in
    with CaptureQueriesContext(connection) as found:
        assert client.get(url).status_code == 200
    sql = " ".join(q["sql"] for q in found.captured_queries)
    for name in ASSET_DETAIL_ONLY:
        assert f'"aiassets_asset"."{name}"' not in sql, name
    for name in PROVENANCE_DETAIL_ONLY:
        assert f'"aiassets_provenance"."{name}"' not in sql, name
    assert '"aiassets_asset"."title"' in sql  # the rows themselves were read
