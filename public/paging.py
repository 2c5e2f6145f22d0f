"""Gallery paging that costs the same on page 1 and page 50,000.

Links carry a keyset cursor (``after=`` / ``before=``: the created_at and id of the row at the
page's edge), so every page is one walk of the partial index ``asset_public_newest_idx`` that
stops after a page. ``page=`` is the page's number; without a cursor (a typed or bookmarked
link) it is served by OFFSET, but only within the first ``MAX_COUNT`` rows. The count is exact
up to ``MAX_COUNT`` and shown as "1000+" beyond: never a COUNT(*) over every public row.
When ``MAX_COUNT`` or fewer rows match (a rare search word, a narrow filter), their ids, read
for the count, also bound the page query: the planner would otherwise walk the newest-first
index through every public row looking for a page of matches that are not there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import QueryDict

MAX_COUNT = 1000
MAX_PAGE_LABEL = 10**7
NEWEST = ("-created_at", "-id")
OLDEST = ("created_at", "id")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass
class Page:
    object_list: list
    number: int
    count: int
    count_capped: bool
    num_pages: int | None
    next_query: str = ""
    prev_query: str = ""

    @property
    def has_next(self) -> bool:
        return bool(self.next_query)

    @property
    def has_previous(self) -> bool:
        return bool(self.prev_query)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def cursor(row) -> str:
    return f"{(row.created_at - EPOCH) // MICROSECOND}_{row.pk}"


def parse_cursor(value: str | None) -> tuple[datetime, uuid.UUID] | None:
    """A cursor from a URL; None when absent or malformed (then paging starts over)."""
    if not value or len(value) > 60 or "_" not in value:
        return None
    micros, _, pk = value.partition("_")
    try:
        return EPOCH + int(micros) * MICROSECOND, uuid.UUID(pk)
    except (ValueError, OverflowError, OSError):
        return None


def _int(value: str | None, default: int = 1) -> int:
    try:
        return min(max(int(value or default), 1), MAX_PAGE_LABEL)
    except ValueError:
        return default


def _after(qs: QuerySet, at: tuple[datetime, uuid.UUID]) -> QuerySet:
    moment, pk = at
    return qs.filter(Q(created_at__lte=moment), Q(created_at__lt=moment) | Q(id__lt=pk))


def _before(qs: QuerySet, at: tuple[datetime, uuid.UUID]) -> QuerySet:
    moment, pk = at
    return qs.filter(Q(created_at__gte=moment), Q(created_at__gt=moment) | Q(id__gt=pk))


def _link(base: QueryDict, number: int, **cursor_param: str) -> str:
    query = base.copy()
    query["page"] = str(number)
    for key, value in cursor_param.items():
        query[key] = value
    return query.urlencode()


def paginate(qs: QuerySet, params: QueryDict, size: int) -> Page:
    """One page of ``qs`` (newest first) for the request's ``page``/``after``/``before``."""
    base = params.copy()
    for key in ("page", "after", "before"):
        base.pop(key, None)
    matches = list(qs.order_by().values_list("pk", flat=True)[: MAX_COUNT + 1])
    count = len(matches)
    capped = count > MAX_COUNT
    if not capped:  # few rows: read the page among them, not by walking the newest-first index
        qs = qs.filter(pk__in=matches)  # (a rare search word would walk every public row)
    num_pages = None if capped else max(1, -(-count // size))
    number = _int(params.get("page"))
    after, before = parse_cursor(params.get("after")), parse_cursor(params.get("before"))
    if after:
        rows = list(_after(qs, after).order_by(*NEWEST)[: size + 1])
        more_after, more_before = len(rows) > size, True
        rows = rows[:size]
    elif before:
        rows = list(_before(qs, before).order_by(*OLDEST)[: size + 1])
        more_after, more_before = True, len(rows) > size
        rows = rows[:size][::-1]
    else:
        last = num_pages or (MAX_COUNT // size)
        number = min(number, last)
        start = (number - 1) * size
        rows = list(qs.order_by(*NEWEST)[start : start + size + 1])
        more_after, more_before = len(rows) > size, number > 1
        rows = rows[:size]
    if not rows:  # a stale cursor past either end: nothing to link to but the first page
        more_after = more_before = False
    if num_pages is not None:
        number = min(number, num_pages)
    page = Page(rows, number, min(count, MAX_COUNT), capped, num_pages)
    if more_after and rows:
        page.next_query = _link(base, number + 1, after=cursor(rows[-1]))
    if more_before and rows and number > 1:
        prev = number - 1
        page.prev_query = (
            _link(base, prev) if prev == 1 else _link(base, prev, before=cursor(rows[0]))
        )
    return page


__all__ = ["MAX_COUNT", "Page", "cursor", "paginate", "parse_cursor"]
