"""A paginator whose count is bounded: it counts at most ``cap`` rows, never a whole table.

For admin changelists over millions of rows (``BoundedListMixin``): the first ``cap`` results
are paged exactly and the count reads "1000+" past them; to reach further, narrow the list
with a filter, a search or the date drill-down. The cap is what keeps a filtered count cheap:
a filter through another table (the model, a tag) visits each counted asset's row, about
8 µs each at 1M assets (10,000 cost 84 ms, 1,000 cost 9).
"""

from __future__ import annotations

import uuid

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property

from .urlcache import reverse_ids

DEFAULT_CAP = 1_000


def bounded_count(qs: QuerySet, cap: int) -> tuple[int, bool]:
    """(rows of ``qs`` up to ``cap``, whether there are more): one LIMITed subquery of cap + 1,
    in ``qs``'s own order (order it by an index to make the count an index walk)."""
    n = qs.values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


class BoundedPaginator(Paginator):
    cap = DEFAULT_CAP

    @cached_property
    def _bounded(self) -> tuple[int, bool]:
        """(rows up to ``cap``, whether there are more): one LIMITed subquery of cap + 1."""
        qs = self.object_list
        if not hasattr(qs, "values"):
            return len(qs), False
        return bounded_count(qs.order_by(), self.cap)

    @cached_property
    def count(self) -> int:
        """Rows in the list, counted up to ``cap``."""
        return self._bounded[0]

    @cached_property
    def capped(self) -> bool:
        """Whether the list holds more than ``count`` (the pagination reads "1000+")."""
        return self._bounded[1]


class BoundedChangeList(ChangeList):
    """A changelist that never counts the whole table, and says nothing about a "full" count
    when nothing narrows the list (the list then *is* the full result). Its rows' links are
    filled in from one reverse() (urlcache), not resolved a row at a time."""

    def url_for_result(self, result: Model) -> str:
        pk = getattr(result, self.pk_attname)
        if not isinstance(pk, uuid.UUID | int):
            return super().url_for_result(result)
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
        return reverse_ids(name, pk, current_app=self.model_admin.admin_site.name)

    def get_queryset(self, request, exclude_parameters=None) -> QuerySet:
        """The admin's queryset, less the columns its list never shows (``list_deferred``)."""
        qs = super().get_queryset(request, exclude_parameters)
        deferred = self.model_admin.list_deferred  # BoundedListMixin's
        return qs.defer(*deferred) if deferred else qs

    def get_results(self, request) -> None:
        super().get_results(request)
        if self.full_result_count is None and not self.query and not self.has_active_filters:
            self.full_result_count = self.result_count


class BoundedListMixin:
    """For a ModelAdmin over millions of rows: bounded paginator, no full count."""

    paginator = BoundedPaginator
    show_full_result_count = False
    list_deferred: tuple[str, ...] = ()  # columns the list never shows (a model's detail)

    def get_changelist(self, request, **kwargs) -> type[ChangeList]:
        return BoundedChangeList


__all__ = [
    "BoundedChangeList",
    "BoundedListMixin",
    "BoundedPaginator",
    "DEFAULT_CAP",
    "bounded_count",
]
