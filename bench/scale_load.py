"""Bulk loading for bench/scale.py: N assets with provenance, decisions and variants, in a few
INSERT … SELECT generate_series statements (PostgreSQL only).

Columns are built from the models, so fields other engineers add get their defaults: a column
named in EXPRESSIONS gets that SQL expression (over the series ``g`` and the asset row ``a``),
any other one its Python default as a parameter, or NULL.
"""

from __future__ import annotations

import json
import time

WORDS = tuple(
    [
        "lighthouse",
        "fox",
        "heron",
        "castle",
        "forest",
        "river",
        "mountain",
        "city",
        "night",
        "dawn",
        "dusk",
        "storm",
        "ocean",
        "desert",
        "garden",
        "portrait",
        "robot",
        "dragon",
        "cat",
        "dog",
        "owl",
        "whale",
        "ship",
        "train",
        "bridge",
        "tower",
        "temple",
        "market",
        "festival",
        "winter",
        "summer",
        "autumn",
        "spring",
        "rain",
        "snow",
        "fog",
        "neon",
        "watercolour",
        "oil",
        "sketch",
        "pastel",
        "cinematic",
        "baroque",
        "minimalist",
        "surreal",
        "isometric",
        "pixel",
        "vaporwave",
        "noir",
        "golden",
        "silver",
        "crimson",
        "azure",
        "emerald",
        "violet",
        "amber",
        "ivory",
        "obsidian",
        "copper",
        "marble",
        "glass",
        "paper",
        "velvet",
    ]
)
MODELS = 20
STATUSES = (  # (status, published, share of assets in ‰)
    ("approved", True, 800),
    ("pending", False, 50),
    ("in_review", False, 75),
    ("rejected", False, 60),
    ("taken_down", False, 15),
)


def _status_case(column: str) -> str:
    """A CASE over g % 1000 that spreads assets over STATUSES by their shares."""
    parts, upper = [], 0
    for status, published, share in STATUSES:
        upper += share
        value = status if column == "moderation_status" else ("true" if published else "false")
        literal = f"'{value}'" if column == "moderation_status" else value
        parts.append(f"WHEN g % 1000 < {upper} THEN {literal}")
    return f"CASE {' '.join(parts)} END"


def _prompt_sql() -> str:
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    n = len(WORDS)
    # Eight words per prompt with a skewed distribution: low indexes are common, high ones rare.
    primes = (7, 13, 31, 37, 41, 53, 71, 97)
    picks = [f"({words})[1 + ((g * {p}) % {n}) * ((g * {p}) % {n}) / {n}]" for p in primes]
    return " || ' ' || ".join(picks)


def _insert(cursor, model, expressions: dict[str, str], source: str) -> None:
    """INSERT INTO model's table SELECT <expressions or defaults> FROM <source>."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.get_internal_type().endswith("AutoField"):
            continue  # the sequence numbers it
        columns.append(connection.ops.quote_name(field.column))
        if field.column in expressions:
            values.append(expressions[field.column].replace("%", "%%"))
        elif field.has_default():
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            values.append("NULL")
    table = connection.ops.quote_name(model._meta.db_table)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM {source.replace('%', '%%')}",
        params,
    )


def _asset_expressions() -> dict[str, str]:
    return {
        "id": "md5('asset' || g)::uuid",
        "sha256": "encode(sha256(('asset' || g)::bytea), 'hex')",
        "original_key": "'originals/' || md5('asset' || g)::uuid || '/x.png'",
        "format": "'PNG'",
        "mime_type": "'image/png'",
        "width": "(ARRAY[1024, 1536, 768, 2048])[1 + g % 4]",
        "height": "(ARRAY[1024, 1024, 1152, 1152])[1 + g % 4]",
        "bytes": "800000 + g % 100000",
        "phash": "substr(md5('p' || g), 1, 16)",
        "title": "'Image ' || g",
        "moderation_status": _status_case("moderation_status"),
        "published": _status_case("published"),
        "created_at": "now() - make_interval(secs => g * 30)",
        "updated_at": "now() - make_interval(secs => g * 30)",
        "queued_at": "now() - make_interval(secs => g * 30 - 60)",
        # every decision the loader writes is the classifier's (DECISION_EXPRESSIONS)
        "queued_by": f"CASE WHEN {_status_case('moderation_status')} IN "
        "('in_review', 'rejected', 'taken_down') THEN 'classifier' ELSE '' END",
    }


def _provenance_expressions(first_model: int) -> dict[str, str]:
    return {
        "asset_id": "md5('asset' || g)::uuid",
        "model_id": f"{first_model} + g % {MODELS}",
        "prompt": _prompt_sql(),
        "seed": "g::text",
        "generated_at": "now() - make_interval(secs => g * 30 + 600)",
        "prompt_visibility": "(ARRAY['inherit','inherit','inherit','public','private'])[1 + g % 5]",
        "params": "'{}'::jsonb",
        "c2pa_failures": "'[]'::jsonb",
    }


DECISION_EXPRESSIONS = {
    "asset_id": "a.id",
    "actor_name": "'classifier'",
    "actor_kind": "'classifier'",
    "classifier": "'bench'",
    "verdict": "CASE a.moderation_status WHEN 'approved' THEN 'approve' "
    "WHEN 'in_review' THEN 'review' WHEN 'rejected' THEN 'reject' ELSE 'take_down' END",
    "from_status": "'pending'",
    "to_status": "a.moderation_status",
    "reasons": "'[]'::jsonb",
    "created_at": "a.queued_at",
}
VARIANT_EXPRESSIONS = {
    "asset_id": "a.id",
    "width": "w",
    "height": "w * a.height / a.width",
    "format": "f",
    "recipe": "substr(md5(f), 1, 8)",
    "key": "'variants/' || a.id || '/' || substr(a.sha256, 1, 16) || '/' || w "
    "|| 'w-' || substr(md5(f), 1, 8) || '.' || f",
    "bytes": "w * 40",
    "status": "'ready'",
    "c2pa": "'signed'",
    "created_at": "a.created_at",
    "updated_at": "a.created_at",
}


def _variant_source(every: int) -> str:
    """Every planned width (no upscaling) × format of every ``every``-th asset."""
    from django.conf import settings

    widths = sorted(settings.DERIVATIVE_WIDTHS)
    formats = json.dumps(list(settings.DERIVATIVE_FORMATS)).replace('"', "'")
    return (
        f"aiassets_asset a CROSS JOIN unnest(ARRAY{widths}) w "
        f"CROSS JOIN unnest(ARRAY{formats}) f WHERE w <= a.width "
        f"AND abs(('x' || substr(a.sha256, 1, 8))::bit(32)::int) % {every} = 0"
    )


def _models() -> int:
    """Create the generative models; returns the first one's id."""
    from aiassets.models import GenerativeModel

    GenerativeModel.objects.bulk_create(
        GenerativeModel(name=f"Model {i}", version="1", prompts_public_by_default=i % 4 != 0)
        for i in range(MODELS)
    )
    return GenerativeModel.objects.order_by("pk").values_list("pk", flat=True)[0]


def load(n: int, variant_fraction: float, log) -> None:
    """Empty the catalogue and load ``n`` assets, then VACUUM ANALYZE."""
    from django.db import connection, transaction

    from aiassets.models import Asset, Provenance, Variant
    from moderation.models import Decision
    from ops import rollups

    started = time.perf_counter()
    series = f"generate_series(1, {int(n)}) g"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE aiassets_generativemodel, aiassets_asset, moderation_decision, ops_rollup, "
            "ops_rollupdelta RESTART IDENTITY CASCADE"
        )
        rollups.refresh(full=True)  # counts the empty tables: the load's rows arrive as deltas
        first_model = _models()
        _insert(cursor, Asset, _asset_expressions(), series)
        log(f"assets: {time.perf_counter() - started:.1f} s")
        _insert(cursor, Provenance, _provenance_expressions(first_model), series)
        log(f"provenance: {time.perf_counter() - started:.1f} s")
        source = "aiassets_asset a WHERE a.moderation_status <> 'pending'"
        _insert(cursor, Decision, DECISION_EXPRESSIONS, source)
        log(f"decisions: {time.perf_counter() - started:.1f} s")
        if variant_fraction > 0:
            every = max(1, round(1 / variant_fraction))
            _insert(cursor, Variant, VARIANT_EXPRESSIONS, _variant_source(every))
        log(f"variants: {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # autocommit here: VACUUM sets the visibility map
    log(f"loaded and analysed: {time.perf_counter() - started:.1f} s")
