"""Prompt search: one stored, indexed full-text vector on PostgreSQL, a plain filter elsewhere.

On PostgreSQL, ``aiassets_provenance.search_vector`` is a generated column
(``to_tsvector('english', prompt)``, stored) with a GIN index, both made by the migration
``0011_provenance_search_vector``; the model does not declare it, so SQLite (``make run``, local
tests) works unchanged and searches with one case-insensitive ``LIKE`` per word instead.

Every search (public gallery, admin, queues) goes through :func:`prompt_q`. Whether a prompt may
be searched publicly is not decided here: callers add ``ProvenanceQuerySet.prompt_public()``.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.lookups import Lookup

CONFIG = "english"
COLUMN = "search_vector"
MAX_CHARS = 200
MAX_WORDS = 10


class PromptFullText(Lookup):
    """``prompt__fulltext="…"``: the row's stored vector matches a web-search style query."""

    lookup_name = "fulltext"

    def as_sql(self, compiler, connection):
        raise NotImplementedError("fulltext needs PostgreSQL; use search.prompt_q()")

    def as_postgresql(self, compiler, connection):
        # The stored vector sits beside the prompt column, under the same (possibly U0) alias.
        table = compiler.quote_name(self.lhs.alias)
        rhs, params = self.process_rhs(compiler, connection)
        column = f"{table}.{connection.ops.quote_name(COLUMN)}"
        sql = f"{column} @@ websearch_to_tsquery(%s::regconfig, {rhs})"
        return sql, [CONFIG, *params]


def clean(text: str) -> str:
    """User text made safe for any database: no NUL, no lone surrogates, bounded."""
    text = text.replace("\x00", " ").encode("utf-8", "ignore").decode("utf-8")
    return " ".join(text.split())[:MAX_CHARS]


def prompt_q(path: str, text: str, vendor: str) -> Q:
    """A filter on the prompt at ``path`` (``"prompt"``, ``"provenance__prompt"``) for ``text``.

    An empty query matches everything (callers skip it)."""
    text = clean(text)
    if not text:
        return Q()
    if vendor == "postgresql":
        return Q(**{f"{path}__fulltext": text})
    q = Q()
    for word in text.split()[:MAX_WORDS]:
        q &= Q(**{f"{path}__icontains": word})
    return q


__all__ = ["CONFIG", "COLUMN", "PromptFullText", "clean", "prompt_q"]
