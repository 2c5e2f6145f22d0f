"""Overlap the database with Python: the next batch's reads run in a second thread.

A walk over a million assets (reconcile_variants) alternates between waiting for PostgreSQL
and working in Python; with the next batch's queries already under way on a second
connection, the two overlap instead of taking turns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection, connections


def overlapping() -> bool:
    """Whether reads may run on a second connection: PostgreSQL, outside a transaction (a
    second connection would not see the transaction's own writes)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def read_ahead[T, R](batches: Iterable[T], read: Callable[[T], R]) -> Iterator[tuple[T, R]]:
    """``(batch, read(batch))`` for each batch, in order. When :func:`overlapping`, the next
    batch's ``read`` runs in a worker thread (its own connection, closed at the end) while
    the caller handles this one; otherwise every read runs here, in turn."""
    if not overlapping():
        for batch in batches:
            yield batch, read(batch)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as worker:
        pending: tuple[T, Future[R]] | None = None
        try:
            for batch in batches:
                ahead = (batch, worker.submit(read, batch))
                if pending is not None:
                    yield pending[0], pending[1].result()
                pending = ahead
            if pending is not None:
                yield pending[0], pending[1].result()
        finally:
            worker.submit(connections.close_all).result()  # the worker thread's connection
