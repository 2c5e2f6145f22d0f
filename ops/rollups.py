"""Rollups: whole-table counts kept in a few rows, so a scrape costs the same at 10k and 10M.

:func:`refresh` (the healing job calls it every minute or so; ``manage.py refresh_rollups`` by
hand) stores, without ever grouping a whole table after the first time:

- variants by status and assets by moderation status (the review queue's length),
  incrementally: database triggers (ops/rollup_triggers.py, ``COUNTED``) append every
  statement's net change per value to ``RollupDelta``; refresh folds and deletes them. Only
  the first refresh (or ``refresh(full=True)``) counts every row, once, to start from;
- decisions by verdict and actor kind, incrementally: decisions are append-only, so only those
  after the last watermark are counted and added.

:func:`snapshot` reads every rollup row, the decisions after the watermark and the unfolded
variant deltas in two queries: both counters are exact at every scrape. Before the first
refresh there are no variant rows (``Snapshot.variants is None``) and readers count live,
once, as they did before rollups existed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, Count, Max, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from moderation.models import Decision

from .models import Rollup, RollupDelta
from .rollup_triggers import COUNTED, Counted

VARIANTS = "variants"  # variants by status (rollup_triggers.COUNTED)
ASSETS = "assets"  # assets by moderation status (likewise)
DECISIONS = "decisions"
DECISIONS_TAIL = "decisions.tail"  # only in a snapshot, never stored
TAIL = ".tail"  # "variants.tail", "assets.tail": the deltas not folded yet, likewise
THROUGH = "decisions.through"  # the last decision id counted into DECISIONS
REFRESHED = "refreshed"  # when refresh() last ran, in epoch seconds
SEP = "|"
SETTLE = timedelta(seconds=60)  # decisions younger than this wait for the next refresh


@dataclass
class Snapshot:
    variants: Counter[str] | None  # None until the first refresh
    decisions: Counter[tuple[str, str]]  # exact: stored counts plus the tail
    refreshed_at: datetime | None
    assets: Counter[str] | None = None  # by moderation status; None until the first refresh

    @property
    def age_seconds(self) -> float | None:
        if self.refreshed_at is None:
            return None
        return (timezone.now() - self.refreshed_at).total_seconds()


def _tail(hint: int) -> object:
    """Decisions with an id above the stored watermark, counted by verdict and actor kind.

    ``hint`` is the watermark read just before, as a value: the planner then expects a short
    range (as a subquery alone it plans for a third of the table: a parallel scan, ~70 ms at
    1M decisions on a busy machine, to find nothing). The subquery keeps the count exact if
    a refresh moved the watermark in between."""
    through = Rollup.objects.filter(name=THROUGH, key="").values("value")[:1]
    return (
        Decision.objects.filter(id__gt=hint)
        .filter(id__gt=Coalesce(Subquery(through), Value(0)))
        .order_by()
        .annotate(
            rname=Value(DECISIONS_TAIL, output_field=CharField()),
            rkey=Concat("verdict", Value(SEP), "actor_kind", output_field=CharField()),
        )
        .values("rname", "rkey")
        .annotate(n=Count("id"))
        .values_list("rname", "rkey", "n")
    )


def _deltas_tail() -> object:
    """Changes to counted rows not folded yet, summed by rollup and key ("variants.tail")."""
    return (
        RollupDelta.objects.order_by()
        .annotate(rname=Concat("name", Value(TAIL), output_field=CharField()))
        .values("rname", "key")
        .annotate(n=Cast(Sum("delta"), BigIntegerField()))
        .values_list("rname", "key", "n")
    )


def snapshot() -> Snapshot:
    """Every rollup row, the decisions since the watermark and the unfolded variant changes:
    two queries (the first reads the watermark for the second's plan: see _tail)."""
    after = Rollup.objects.filter(name=THROUGH, key="").values_list("value", flat=True).first()
    rows = Rollup.objects.values_list("name", "key", "value").union(
        _tail(after or 0), _deltas_tail(), all=True
    )
    counted: dict[str, Counter[str]] = {c.name: Counter() for c in COUNTED}
    decisions: Counter[tuple[str, str]] = Counter()
    refreshed_at = None
    for name, key, value in rows:
        if name.removesuffix(TAIL) in counted:
            counted[name.removesuffix(TAIL)][key] += value
        elif name in (DECISIONS, DECISIONS_TAIL):
            verdict, _, kind = key.partition(SEP)
            decisions[(verdict, kind)] += value
        elif name == REFRESHED:
            refreshed_at = datetime.fromtimestamp(value, tz=UTC)
    # A value whose rows are all gone drops out (+); nothing is stored before the first refresh.
    found = {name: (+counts if refreshed_at else None) for name, counts in counted.items()}
    return Snapshot(found[VARIANTS], decisions, refreshed_at, assets=found[ASSETS])


def _stored() -> dict[str, Counter[str]]:
    """Every stored rollup row, by name then key."""
    stored: dict[str, Counter[str]] = {}
    for name, key, value in Rollup.objects.values_list("name", "key", "value"):
        stored.setdefault(name, Counter())[key] = value
    return stored


def _fold_decisions(stored: dict[str, Counter[str]], now: datetime) -> tuple[Counter[str], int]:
    """The decision counts plus those settled since the watermark, and the new watermark."""
    counts = stored.get(DECISIONS, Counter())
    through = stored.get(THROUGH, Counter()).get("", 0)
    settled = Decision.objects.filter(created_at__lt=now - SETTLE, id__gt=through)
    new_through = settled.aggregate(m=Max("id"))["m"] or through
    added = Decision.objects.filter(id__gt=through, id__lte=new_through).order_by()
    for verdict, kind, n in added.values_list("verdict", "actor_kind").annotate(n=Count("id")):
        counts[f"{verdict}{SEP}{kind}"] += n
    return counts, new_through


def _fold(name: str, counts: Counter[str]) -> Counter[str]:
    """A rollup's stored counts plus every delta the triggers wrote for it, which are deleted."""
    table = connection.ops.quote_name(RollupDelta._meta.db_table)
    with connection.cursor() as cursor:
        sql = f"DELETE FROM {table} WHERE name = %s RETURNING key, delta"  # noqa: S608
        cursor.execute(sql, [name])
        for key, delta in cursor.fetchall():
            counts[key] += delta
    return +counts


def _count(counted: Counted) -> Counter[str]:
    """Every row of a counted table by its counted field, the starting point the deltas add
    to. Writers wait for the count (PostgreSQL: SHARE lock), so no change is both counted and
    a delta."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(counted.table)} IN SHARE MODE")
    RollupDelta.objects.filter(name=counted.name).delete()
    rows = counted.rows.objects.order_by().values_list(counted.field).annotate(n=Count("pk"))
    return Counter(dict(rows))


def _recounted(counted: Counted, stored: dict[str, Counter[str]], anew: bool) -> Counter[str]:
    return _count(counted) if anew else _fold(counted.name, stored.get(counted.name, Counter()))


def refresh(now: datetime | None = None, *, full: bool = False) -> Snapshot:
    """Fold the changes since the last refresh into the rollups and store them. The first
    refresh, or ``full=True``, counts the counted tables (variants, assets) in full instead."""
    now = now or timezone.now()
    with transaction.atomic():
        stored = _stored()
        decisions, through = _fold_decisions(stored, now)
        anew = full or REFRESHED not in stored
        rows = [
            Rollup(name=c.name, key=key, value=n)
            for c in COUNTED
            for key, n in _recounted(c, stored, anew).items()
        ]
        rows += [
            *(Rollup(name=DECISIONS, key=key, value=n) for key, n in decisions.items()),
            Rollup(name=THROUGH, value=through),
            Rollup(name=REFRESHED, value=int(now.timestamp())),
        ]
        for row in rows:
            row.refreshed_at = now
        Rollup.objects.all().delete()
        Rollup.objects.bulk_create(rows)
    return snapshot()


__all__ = ["Snapshot", "refresh", "snapshot"]
