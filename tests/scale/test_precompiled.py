"""Annotations compiled once (aiassets.precompiled) select what their expressions select."""

from __future__ import annotations

import pytest
from django.db.models import BigAutoField, OuterRef

from aiassets import precompiled
from aiassets.admin.columns import HEALTH_STATUSES, _health_count, with_health_counts
from aiassets.models import Asset, Variant
from moderation import previews

pytestmark = pytest.mark.django_db


def test_frozen_annotations_select_what_their_expressions_select(population):
    assets = population(12)
    Variant.objects.filter(asset=assets[0], width=640).update(status=Variant.Status.FAILED)
    frozen = previews.with_preview(with_health_counts(Asset.objects.all()), 320)
    names = ["preview_pk", *(f"variants_{s}" for s in HEALTH_STATUSES)]
    got = {row[0]: row[1:] for row in frozen.values_list("pk", *names)}
    live = Asset.objects.annotate(
        preview_pk=previews.preview_pk(OuterRef("pk"), 320),
        **{f"variants_{s}": _health_count(s) for s in HEALTH_STATUSES},
    )
    assert got == {row[0]: row[1:] for row in live.values_list("pk", *names)}
    assert any(counts[-1] for counts in got.values()), "the failed count is read"
    assert all(preview is not None for preview, *_ in got.values())


def test_an_expression_is_compiled_once():
    precompiled._compiled.cache_clear()
    for _ in range(3):
        precompiled.frozen(
            Asset, previews.preview_pk, OuterRef("pk"), 320, output_field=BigAutoField()
        )
    info = precompiled._compiled.cache_info()
    assert (info.misses, info.hits) == (1, 2)
