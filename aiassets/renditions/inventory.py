"""What variant rows an asset has, read a chunk of assets at a time for the healing walk.

One row per asset comes back from the database: its rows' signatures, its ready rows' keys
and its rows in trouble (failed, pending, deferred), each folded into one string by the
database (StringAgg), so a million assets cost a million short rows, not 36 million tuples.
A signature is ``"width:format:recipe"``, the identity ``Plan.wanted`` compares; it is
written here twice, as SQL and as Python, next to each other, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, CharField, Q, StringAgg, Value, When
from django.db.models.functions import Cast, Concat

from aiassets.models import Variant

SEPARATOR = ","  # in no key, format, recipe or status (storage.variant_key, formats, hex)
TROUBLE = (Variant.Status.FAILED, Variant.Status.PENDING, Variant.Status.DEFERRED)


def signature(width: int, fmt: str, recipe: str) -> str:
    """A rendition's identity within its asset, as the SQL below writes it."""
    return f"{width}:{fmt}:{recipe}"


def _signature_sql() -> Concat:
    width = Cast("width", CharField())
    return Concat(width, Value(":"), "format", Value(":"), "recipe", output_field=CharField())


@dataclass(frozen=True)
class Trouble:
    """A row the healing walk may re-queue: failed, deferred, or pending for too long."""

    pk: int
    status: str
    stale: bool  # pending and untouched since the cutoff
    signature: str


@dataclass
class Stock:
    """One asset's variant rows as the healing walk needs them."""

    signatures: frozenset[str] = frozenset()
    ready_keys: list[str] = field(default_factory=list)
    trouble: list[Trouble] = field(default_factory=list)


def _split(text: str | None) -> list[str]:
    return text.split(SEPARATOR) if text else []


def _trouble(text: str | None) -> list[Trouble]:
    found = []
    for item in _split(text):
        pk, status, stale, sig = item.split(":", 3)
        found.append(Trouble(int(pk), status, stale == "1", sig))
    return found


def stock_of(asset_ids: list, cutoff: datetime) -> dict[object, Stock]:
    """The rows of these assets, by asset id, in one grouped query; an asset with no rows is
    absent. ``cutoff``: a pending row last touched before it is stale."""
    stale = Case(
        When(status=Variant.Status.PENDING, updated_at__lt=cutoff, then=Value("1")),
        default=Value("0"),
        output_field=CharField(),
    )
    trouble = Concat(
        Cast("id", CharField()), Value(":"), "status", Value(":"), stale, Value(":"),
        _signature_sql(), output_field=CharField(),
    )  # fmt: skip
    rows = (
        Variant.objects.filter(asset_id__in=asset_ids)
        .order_by()
        .values("asset_id")
        .annotate(
            sigs=StringAgg(_signature_sql(), Value(SEPARATOR)),
            ready=StringAgg("key", Value(SEPARATOR), filter=Q(status=Variant.Status.READY)),
            trouble=StringAgg(trouble, Value(SEPARATOR), filter=Q(status__in=TROUBLE)),
        )
        .values_list("asset_id", "sigs", "ready", "trouble")
    )
    return {
        asset_id: Stock(frozenset(_split(sigs)), _split(ready), _trouble(trouble))
        for asset_id, sigs, ready, trouble in rows
    }


def stock_from_rows(rows: list[Variant], cutoff: datetime) -> Stock:
    """The same, from model rows already in hand (rows ensure_rows just created or read)."""
    return Stock(
        frozenset(signature(v.width, v.format, v.recipe) for v in rows),
        [v.key for v in rows if v.status == Variant.Status.READY],
        [
            Trouble(
                v.pk,
                v.status,
                v.status == Variant.Status.PENDING and v.updated_at < cutoff,
                signature(v.width, v.format, v.recipe),
            )
            for v in rows
            if v.status in TROUBLE
        ],
    )
