"""Asset.objects.with_variants(): two queries for a page, VariantRow tuples in ascending width,
through a Prefetch (no QuerySet internals overridden), chainable like any queryset."""

from __future__ import annotations

import pytest

from aiassets.models import Asset, AssetQuerySet, Variant, VariantRow
from tests import images

pytestmark = pytest.mark.django_db


def test_two_queries_and_plain_tuples(ingest_now, django_assert_num_queries):
    first = ingest_now(images.png(640, 400, seed=81)).asset
    bare = ingest_now(images.png(320, 200, seed=82)).asset
    Variant.objects.filter(asset=bare).delete()
    Variant.objects.filter(asset=first, width=1280).update(status=Variant.Status.FAILED)
    with django_assert_num_queries(2):
        assets = list(Asset.objects.with_variants().order_by("created_at")[:10])
        rows = {a.pk: a.ready_variants for a in assets}
        names = [a.provenance.model.name for a in assets]
    assert names and rows[bare.pk] == []
    got = rows[first.pk]
    assert got and all(isinstance(r, VariantRow) for r in got)
    assert [r.width for r in got] == sorted(r.width for r in got)
    expected = set(
        Variant.objects.filter(asset=first, status="ready", on_demand=False).values_list(
            "width", "format", "key"
        )
    )
    assert {(r.width, r.format, r.key) for r in got} == expected


def test_chains_and_clones_keep_the_prefetch(ingest_now):
    ingest_now(images.png(320, 200, seed=83))
    qs = Asset.objects.with_variants()
    assert all(hasattr(a, "ready_variants") for a in qs.filter(width=320).all())
    assert not hasattr(Asset.objects.all()[0], "ready_variants")


def test_no_queryset_internals_are_overridden():
    for name in ("_clone", "_fetch_all", "_chain", "__iter__"):
        assert name not in vars(AssetQuerySet), name
