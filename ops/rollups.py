"""Rollups: whole-table counts kept in a few rows, so a scrape costs the same at 10k and 10M.

:func:`refresh` (the healing job calls it every minute or so; ``manage.py refresh_rollups`` by
hand) stores:

- variants by status: one GROUP BY over every variant row, paid by the job, never by a scrape;
- decisions by verdict and actor kind, incrementally: decisions are append-only, so only those
  after the last watermark are counted and added.

:func:`snapshot` reads every rollup row *and* the decisions after the watermark in one query:
the decisions counter is exact at every scrape, variant counts are as fresh as the last refresh.
Before the first refresh there are no variant rows (``Snapshot.variants is None``) and readers
count live, once, as they did before rollups existed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import CharField, Count, Max, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from aiassets.models import Variant
from moderation.models import Decision

from .models import Rollup

VARIANTS = "variants"
DECISIONS = "decisions"
DECISIONS_TAIL = "decisions.tail"  # only in a snapshot, never stored
THROUGH = "decisions.through"  # the last decision id counted into DECISIONS
REFRESHED = "refreshed"  # when refresh() last ran, in epoch seconds
SEP = "|"
SETTLE = timedelta(seconds=60)  # decisions younger than this wait for the next refresh


@dataclass
class Snapshot:
    variants: Counter[str] | None  # None until the first refresh
    decisions: Counter[tuple[str, str]]  # exact: stored counts plus the tail
    refreshed_at: datetime | None

    @property
    def age_seconds(self) -> float | None:
        if self.refreshed_at is None:
            return None
        return (timezone.now() - self.refreshed_at).total_seconds()


def _tail(after_id) -> object:
    """Decisions with an id above ``after_id``, counted by verdict and actor kind."""
    return (
        Decision.objects.filter(id__gt=after_id)
        .order_by()
        .annotate(
            rname=Value(DECISIONS_TAIL, output_field=CharField()),
            rkey=Concat("verdict", Value(SEP), "actor_kind", output_field=CharField()),
        )
        .values("rname", "rkey")
        .annotate(n=Count("id"))
        .values_list("rname", "rkey", "n")
    )


def snapshot() -> Snapshot:
    """Every rollup row and the decisions since the watermark: one query."""
    through = Rollup.objects.filter(name=THROUGH, key="").values("value")[:1]
    after = Coalesce(Subquery(through), Value(0))
    rows = Rollup.objects.values_list("name", "key", "value").union(_tail(after), all=True)
    variants: Counter[str] = Counter()
    decisions: Counter[tuple[str, str]] = Counter()
    refreshed_at = None
    for name, key, value in rows:
        if name == VARIANTS:
            variants[key] = value
        elif name in (DECISIONS, DECISIONS_TAIL):
            verdict, _, kind = key.partition(SEP)
            decisions[(verdict, kind)] += value
        elif name == REFRESHED:
            refreshed_at = datetime.fromtimestamp(value, tz=UTC)
    return Snapshot(variants if refreshed_at else None, decisions, refreshed_at)


def _stored_decisions() -> tuple[Counter[str], int]:
    stored = Counter(dict(Rollup.objects.filter(name=DECISIONS).values_list("key", "value")))
    through = Rollup.objects.filter(name=THROUGH).values_list("value", flat=True).first() or 0
    return stored, through


def refresh(now: datetime | None = None) -> Snapshot:
    """Recompute the rollups (variants in full, decisions since the watermark) and store them."""
    now = now or timezone.now()
    with transaction.atomic():
        stored, through = _stored_decisions()
        settled = Decision.objects.filter(created_at__lt=now - SETTLE, id__gt=through)
        new_through = settled.aggregate(m=Max("id"))["m"] or through
        added = Decision.objects.filter(id__gt=through, id__lte=new_through).order_by()
        for verdict, kind, n in added.values_list("verdict", "actor_kind").annotate(n=Count("id")):
            stored[f"{verdict}{SEP}{kind}"] += n
        variants = Variant.objects.order_by().values_list("status").annotate(n=Count("id"))
        rows = [
            *(Rollup(name=VARIANTS, key=status, value=n) for status, n in variants),
            *(Rollup(name=DECISIONS, key=key, value=n) for key, n in stored.items()),
            Rollup(name=THROUGH, value=new_through),
            Rollup(name=REFRESHED, value=int(now.timestamp())),
        ]
        for row in rows:
            row.refreshed_at = now
        Rollup.objects.all().delete()
        Rollup.objects.bulk_create(rows)
    return snapshot()


__all__ = ["Snapshot", "refresh", "snapshot"]
