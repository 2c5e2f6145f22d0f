"""Annotations compiled once per process: the SQL the ORM writes for an expression over a
model's top-level query, kept as text and reused (``RawSQL``).

The change lists annotate every page with correlated subqueries (a queue's preview variant:
six; the asset list's variant health: four). Django builds and compiles them again for every
request: about 1.5 ms of a 40 ms page on this VM. The ORM still writes the SQL, once, from the
same expression, so the expression stays the one home of what is selected.

Only for annotations of the model's own top-level query: the text names the model's table
(``"aiassets_asset"."id"`` for an ``OuterRef("pk")``), so a query that aliases that table
otherwise (the model as a subquery of another) must use the expression itself.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import cache

from django.db import connections
from django.db.models import Expression, Field, Model
from django.db.models.expressions import RawSQL


def frozen(
    model: type[Model],
    build: Callable[..., Expression],
    *args: Hashable,
    output_field: Field,
    using: str = "default",
) -> RawSQL:
    """``build(*args)`` as it compiles in a query over ``model``, compiled once per database
    vendor and arguments."""
    sql, params = _compiled(model, build, args, connections[using].vendor, using)
    return RawSQL(sql, params, output_field=output_field)  # noqa: S611 (the ORM wrote it)


@cache
def _compiled(
    model: type[Model], build: Callable[..., Expression], args: tuple, vendor: str, using: str
) -> tuple[str, tuple]:
    query = model._default_manager.all().query
    expression = build(*args).resolve_expression(query, allow_joins=True, reuse=None)
    sql, params = query.get_compiler(using=using).compile(expression)
    return sql, tuple(params)


__all__ = ["frozen"]
