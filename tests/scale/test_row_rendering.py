"""The change lists' per-row shortcuts write exactly what Django's own code would."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.urls import reverse, set_script_prefix

from aiassets.admin.rowcheckbox import PlainCheckboxMixin
from aiassets.models import Asset
from aiassets.urlcache import reverse_ids


class Row:
    def __init__(self, pk: object, text: str) -> None:
        self.pk, self.text = pk, text

    def __str__(self) -> str:
        return self.text


@pytest.mark.parametrize("pk", [uuid.uuid4(), 17, "a/b"])
def test_row_checkbox_matches_django(pk):
    row = Row(pk, 'A "quoted" <title> & more')
    assert PlainCheckboxMixin().action_checkbox(row) == admin.ModelAdmin.action_checkbox(None, row)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("admin:aiassets_asset_change", [uuid.uuid4()]),
        ("admin:aiassets_asset_preview", [uuid.uuid4()]),
        ("moderation:preview_variant", [uuid.uuid4(), 42]),
        ("moderation:preview_original", [uuid.uuid4()]),
        ("admin:aiassets_asset_changelist", []),
        ("admin:aiassets_asset_change", ["not/a uuid"]),  # through reverse(), quoted
    ],
)
def test_reverse_ids_is_reverse(name, args):
    assert reverse_ids(name, *args) == reverse(name, args=args)


def test_reverse_ids_follows_the_script_prefix():
    pk = uuid.uuid4()
    reverse_ids("admin:aiassets_asset_change", pk)  # cached under the default prefix
    set_script_prefix("/mounted/")
    try:
        url = reverse_ids("admin:aiassets_asset_change", pk)
        assert url == reverse("admin:aiassets_asset_change", args=[pk])
        assert url.startswith("/mounted/admin/")
    finally:
        set_script_prefix("/")


CHANGE_LISTS = [
    "/admin/aiassets/asset/",
    "/admin/aiassets/asset/?o=-5",  # sorted by a column
    "/admin/aiassets/asset/?moderation_status__exact=approved",  # filters kept in links
    "/admin/moderation/needsreview/",
    "/admin/moderation/autorejected/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", CHANGE_LISTS)
def test_fast_rows_match_django(client, population, url):
    """Every row the compiled columns write is the markup Django's items_for_result writes,
    on the asset list and the review queues, whatever their filters and sorting."""
    from django.contrib.admin.templatetags.admin_list import items_for_result
    from django.contrib.auth import get_user_model

    from aiassets.admin import fastrows

    population(40)
    Asset.objects.filter(pk=Asset.objects.order_by("pk").first().pk).update(title='<b>"x"</b>')
    Asset.objects.filter(moderation_status="rejected").update(queued_by="classifier")
    user = get_user_model().objects.create_superuser("rows", "rows@example.test", "pw")
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_list, "the list shows rows"
    ours = list(fastrows.rows(cl, fastrows.compile_columns(cl)))
    theirs = ["".join(items_for_result(cl, obj, None)) for obj in cl.result_list]
    assert [row[0] for row in ours] == theirs
    assert all(row[0] in response.content.decode() for row in ours)
