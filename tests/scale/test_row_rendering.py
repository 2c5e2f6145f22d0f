"""The change lists' per-row shortcuts write exactly what Django's own code would."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.urls import reverse, set_script_prefix

from aiassets.admin.rowcheckbox import PlainCheckboxMixin
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
