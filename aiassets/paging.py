"""A paginator whose count is bounded: it counts at most ``cap`` rows, never a whole table.

For admin changelists over millions of rows (``BoundedListMixin``): the first ``cap`` results
are paged exactly; to reach further, narrow the list with a filter or a search.
"""

from __future__ import annotations

from django.contrib.admin.views.main import ChangeList
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


class BoundedChangeList(ChangeList):
    """A changelist that never counts the whole table, and says nothing about a "full" count
    when nothing narrows the list (the list then *is* the full result)."""

    def get_results(self, request) -> None:
        super().get_results(request)
        if self.full_result_count is None and not self.query and not self.has_active_filters:
            self.full_result_count = self.result_count


class BoundedListMixin:
    """For a ModelAdmin over millions of rows: bounded paginator, no full count."""

    paginator = BoundedPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs) -> type[ChangeList]:
        return BoundedChangeList


__all__ = ["BoundedChangeList", "BoundedListMixin", "BoundedPaginator", "DEFAULT_CAP"]
