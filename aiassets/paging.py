"""A paginator whose count is bounded: it counts at most ``cap`` rows, never a whole table.

For admin changelists over millions of rows (``ModelAdmin.paginator = BoundedPaginator`` with
``show_full_result_count = False``): the first ``cap`` results are paged exactly; beyond that
the list says "cap+" and asks for a narrower filter or search.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

DEFAULT_CAP = 10_000


class BoundedPaginator(Paginator):
    cap = DEFAULT_CAP

    @cached_property
    def count(self) -> int:
        """Rows in the list, counted up to ``cap`` (a LIMITed subquery, so an index walk)."""
        qs = self.object_list
        if not hasattr(qs, "values"):
            return len(qs)
        return qs.order_by().values("pk")[: self.cap].count()

    @cached_property
    def capped(self) -> bool:
        return self.count >= self.cap


__all__ = ["BoundedPaginator", "DEFAULT_CAP"]
