"""A change list's rows, written by columns compiled once per page instead of per cell.

Django's ``items_for_result`` works out each cell from scratch: which kind of column it is,
its CSS class, the empty value, the boolean icon's static URL, and wraps it all in nested
``format_html`` calls. At 50 rows of 10 columns that was about 0.7 ms a row, over half of
the asset list's and the review queues' time (issue 16). Here each column is compiled once
(``compile_columns``) into a function from an object to its ready ``<td>``/``<th>``, for the
kinds of column these lists use: the selection checkbox, ModelAdmin and model callables,
``__str__``, fields with choices, booleans and dates; anything else goes through Django's
own ``display_for_field``. ``test_fast_rows_match_django`` holds the markup equal to
Django's for every column of both lists.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.admin.templatetags.admin_list import (
    _boolean_icon,
    _coerce_field_name,
    result_headers,
)
from django.contrib.admin.templatetags.admin_list import result_list as django_result_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    NotRelationField,
    display_for_field,
    display_for_value,
    get_fields_from_path,
    lookup_field,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

Cell = Callable[[Any], str]


def _field(cl: ChangeList, name: object) -> models.Field | None:
    if not isinstance(name, str):
        return None
    try:
        field = cl.model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return None if field.auto_created or field.is_relation else field


def _value_cell(cl: ChangeList, name: object, field: models.Field | None) -> Cell:
    """The cell's content (escaped) from an object, for one column."""
    empty = cl.model_admin.get_empty_value_display()
    if field is not None and field.flatchoices:
        labels = {key: conditional_escape(label) for key, label in field.flatchoices}
        return lambda obj: labels.get(getattr(obj, field.attname), empty)
    if isinstance(field, models.BooleanField):
        icons = {value: _boolean_icon(value) for value in (True, False, None)}
        return lambda obj: icons[getattr(obj, field.attname)]
    if field is not None:
        return lambda obj: conditional_escape(
            display_for_field(getattr(obj, field.attname), field, empty)
        )
    return _admin_method(cl, name, empty) or (lambda obj: _generic(cl, name, obj, empty))


def _generic(cl: ChangeList, name: object, obj: Any, empty: str) -> str:
    """A callable or attribute column, as items_for_result shows it."""
    try:
        _f, attr, value = lookup_field(name, obj, cl.model_admin)
    except ObjectDoesNotExist:
        return empty
    boolean = getattr(attr, "boolean", False)
    if isinstance(attr, property) and hasattr(attr, "fget"):
        boolean = getattr(attr.fget, "boolean", False)
    shown = getattr(attr, "empty_value_display", empty)
    return _shown(value, shown, boolean)


def _shown(value: Any, empty: str, boolean: bool) -> str:
    """display_for_value, escaped, with text (what these lists' methods return) passed
    straight through."""
    if not boolean and value is not None and type(value) in (str, SafeString):
        return conditional_escape(value)
    return conditional_escape(display_for_value(value, empty, boolean))


def _admin_method(cl: ChangeList, name: object, empty: str) -> Cell | None:
    """A ModelAdmin method column, called directly: lookup_field finds it only after asking
    the model for a field of that name (an exception per cell)."""
    if not isinstance(name, str) or name == "__str__" or not hasattr(cl.model_admin, name):
        return None
    method = getattr(cl.model_admin, name)
    if not callable(method):
        return None
    boolean = getattr(method, "boolean", False)
    shown = getattr(method, "empty_value_display", empty)

    def cell(obj: Any) -> str:
        try:
            value = method(obj)
        except ObjectDoesNotExist:
            return empty
        return _shown(value, shown, boolean)

    return cell


def _classes(cl: ChangeList, index: int, name: object, field: models.Field | None) -> str:
    if name == "action_checkbox":
        return "action-checkbox"
    classes = [f"field-{_coerce_field_name(name, index)}"]
    dates = isinstance(field, models.DateField | models.TimeField)
    if dates or (field is None and _is_date_column(cl, name)):
        classes.append("nowrap")
    return " ".join(classes)


def _is_date_column(cl: ChangeList, name: object) -> bool:
    """Whether a callable column shows dates (items_for_result adds "nowrap" per value; these
    lists' callables return text, so it is decided once, on the first row)."""
    rows = cl.result_list
    if not rows:
        return False
    try:
        value = lookup_field(name, rows[0], cl.model_admin)[2]
    except ObjectDoesNotExist:
        return False
    return isinstance(value, datetime.date | datetime.time)


def _linked(cl: ChangeList, name: object, is_first: bool) -> bool:
    if cl.list_display_links is None:
        return False
    if is_first and not cl.list_display_links:
        return True
    return name in cl.list_display_links


def _link(cl: ChangeList, content: Cell) -> Cell:
    """Wrap a cell's content in the link to the object's change page, the list's filters
    kept in it (add_preserved_filters, worked out on the first row and reused: every row's
    change URL is the same route, so the same query string follows it)."""
    context = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    suffix: list[str | None] = []  # learnt on the first row

    def url_of(obj: Any) -> str:
        url = cl.url_for_result(obj)
        if not suffix:
            kept = add_preserved_filters(context, url)
            suffix.append(kept[len(url) :] if kept.startswith(url) and "?" not in url else None)
        if suffix[0] is None:  # not a plain suffix: ask for every row
            return add_preserved_filters(context, url)
        return url + suffix[0]

    def linked(obj: Any) -> str:
        try:
            url = url_of(obj)
        except NoReverseMatch:
            return content(obj)
        return f'<a href="{escape(url)}">{content(obj)}</a>'

    return linked


class Unsupported(Exception):
    """A column kind these compiled rows do not write (Django's own path is taken)."""


def _column(cl: ChangeList, index: int, name: object, linked: bool, first: bool) -> Cell:
    field = _field(cl, name)
    if isinstance(name, str) and field is None and _is_relation(cl, name):
        raise Unsupported(name)  # Django shows relations its own way ("nowrap", avoid_link)
    if linked and field is not None:
        raise Unsupported(name)
    if name == "action_checkbox":
        content = cl.model_admin.action_checkbox
    else:
        content = _value_cell(cl, name, field)
    tag = "th" if linked and first else "td"
    if linked:
        content = _link(cl, content)
    head, tail = f'<{tag} class="{_classes(cl, index, name, field)}">', f"</{tag}>"
    return lambda obj: head + content(obj) + tail


def _is_relation(cl: ChangeList, name: str) -> bool:
    """A relation field, or a path through relations ("provenance__model")."""
    try:
        path = get_fields_from_path(cl.model, name)
    except (FieldDoesNotExist, NotRelationField):
        return False
    return len(path) > 1 or path[0].is_relation


def compile_columns(cl: ChangeList) -> list[Cell]:
    """One function per column from an object to its finished cell. Raises Unsupported."""
    cells: list[Cell] = []
    first = True
    for index, name in enumerate(cl.list_display):
        linked = _linked(cl, name, first)
        cells.append(_column(cl, index, name, linked, first))
        first = first and not linked
    return cells


def rows(cl: ChangeList, cells: list[Cell]) -> Iterator[list[SafeString]]:
    """Each row as one finished string (in a list: the results template loops over cells)."""
    for obj in cl.result_list:
        yield [mark_safe("".join(cell(obj) for cell in cells))]  # noqa: S308 (escaped above)


def result_list(cl: ChangeList) -> dict:
    """Django's ``result_list`` context with the rows from :func:`rows`. Lists with editable
    fields, popups or a column kind not compiled here take Django's own path."""
    if cl.formset or cl.is_popup:
        return django_result_list(cl)
    try:
        cells = compile_columns(cl)
    except Unsupported:
        return django_result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(rows(cl, cells)),
    }
