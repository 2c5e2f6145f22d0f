"""What the database can store, checked before any row or file is written.

PostgreSQL refuses what SQLite accepts: ``text`` and ``jsonb`` refuse NUL and lone
surrogates, ``jsonb`` refuses NaN and Infinity, ``timestamptz`` refuses dates before year 1
in UTC. Python's ``json`` parses NaN, ``1e999`` (infinity) and unbounded integers, and raises
RecursionError on deep nesting. This module is the one home of those rules, so every channel
(API, admin, import command) refuses the same documents with the same coded error, on every
database.

Every refusal is an :class:`~aiassets.errors.CodedError` (``invalid_json`` 400,
``invalid_metadata`` 422, ``too_large`` 413) that names the offending ``field``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import CodedError

# An integer in provenance has at most this many digits (a 128-bit value has 39).
MAX_INT_DIGITS = 40
# What we store for a datetime, in UTC.
MIN_DATETIME = datetime(1, 1, 2, tzinfo=UTC)
MAX_DATETIME = datetime(9999, 12, 30, tzinfo=UTC)


class ValidationError(CodedError):
    """A document or field the database could not store, or that breaks a limit.

    ``field`` names where (``params.sampler``, ``title``); it is for forms and logs, and is
    not part of the documented error body."""

    def __init__(self, code: str, message: str, *, field: str | None = None, **kwargs: Any):
        super().__init__(code, message, **kwargs)
        self.field = field


@dataclass(frozen=True)
class Limits:
    """``params`` limits. The defaults match the settings' defaults."""

    params_depth: int = 20
    params_bytes: int = 64 * 1024
    document_bytes: int = 256 * 1024

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            params_depth=settings.INGEST_MAX_PARAMS_DEPTH,
            params_bytes=settings.INGEST_MAX_PARAMS_BYTES,
            document_bytes=settings.INGEST_MAX_PROVENANCE_BYTES,
        )


def refuse(field: str, message: str, code: str = "invalid_metadata") -> ValidationError:
    return ValidationError(code, message, field=field)


# --------------------------------------------------------------------------------------------
# Parsing JSON text safely
# --------------------------------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON can carry (NaN and Infinity are refused)")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"an integer has {len(text.lstrip('-')):,} digits; at most {MAX_INT_DIGITS}")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is too large to store")
    return value


class _Refused(ValueError):
    pass


def loads(text: str | bytes, field: str = "provenance", max_bytes: int | None = None) -> Any:
    """Parse untrusted JSON text. Refuses, with a coded error, what ``json.loads`` would
    accept but the database cannot store (NaN, Infinity, huge numbers) and what it cannot
    parse without harm (nesting deep enough to raise RecursionError)."""
    if max_bytes is not None and len(text) > max_bytes:
        raise refuse(
            field,
            f"The {field} is {len(text):,} bytes; the limit is {max_bytes:,}.",
            code="too_large",
        )
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise refuse(field, f"The {field} is not UTF-8 text: {exc}.", code="invalid_json")
    try:
        return json.loads(
            text,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except _Refused as exc:
        raise refuse(field, f"The {field} cannot be stored: {exc}.")
    except RecursionError:
        raise refuse(field, f"The {field} is nested too deeply to read.")
    except ValueError as exc:  # JSONDecodeError, and anything else the parser refuses
        raise refuse(field, f"The {field} is not valid JSON: {exc}.", code="invalid_json")


# --------------------------------------------------------------------------------------------
# Checking values (parsed JSON, or Python values from a form)
# --------------------------------------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why PostgreSQL could not store ``value`` as text, or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (text that is not valid Unicode)"
    return None


def check_text(value: str, field: str) -> str:
    """Refuse text the database cannot store; return it unchanged otherwise."""
    problem = text_problem(value)
    if problem:
        raise refuse(field, f"{field} {problem}.")
    return value


def check_query(value: str, field: str) -> str:
    """Refuse a search or filter value the database cannot compare (NUL): a coded 400
    ``bad_request``, never a database error. Returns it unchanged otherwise."""
    problem = text_problem(value)
    if problem:
        raise refuse(field, f"{field} {problem}.", code="bad_request")
    return value


def storable_text(value: str) -> str:
    """``value`` with what the database cannot store replaced by U+FFFD (for names we record
    but do not own, such as an upload's file name)."""
    if text_problem(value) is None:
        return value
    return "".join("\ufffd" if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in value)


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return text_problem(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        digits = len(str(abs(value))) if abs(value) < 10**MAX_INT_DIGITS else MAX_INT_DIGITS + 1
        return None if digits <= MAX_INT_DIGITS else f"is an integer over {MAX_INT_DIGITS} digits"
    if isinstance(value, float):
        return None if math.isfinite(value) else "is not a finite number (NaN or Infinity)"
    return f"is a {type(value).__name__}, not a JSON value"


def check_json(value: Any, field: str, max_depth: int) -> None:
    """Walk a JSON-like value without recursion: every key and string storable, every number
    representable in JSON and jsonb, no nesting deeper than ``max_depth`` containers."""
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth + 1 > max_depth:
                raise refuse(
                    field, f"{field} nests more than {max_depth} levels deep (at {where[:120]})."
                )
            stack.extend(_children(item, where, depth + 1))
            continue
        problem = _scalar_problem(item)
        if problem:
            raise refuse(where, f"{_short(where)} {problem}.")


def _children(item: Any, where: str, depth: int) -> list[tuple[Any, str, int]]:
    if isinstance(item, dict):
        out = []
        for key, child in item.items():
            if not isinstance(key, str):
                raise refuse(where, f"{_short(where)} has a key that is not text.")
            problem = text_problem(key)
            if problem:
                raise refuse(where, f"A key in {_short(where)} {problem}.")
            out.append((child, f"{where}.{_printable(key)}", depth))
        return out
    return [(child, f"{where}[{i}]", depth) for i, child in enumerate(item)]


def _printable(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("utf-8")[:40]


def _short(where: str) -> str:
    return where if len(where) <= 120 else where[:117] + "…"


# --------------------------------------------------------------------------------------------
# The provenance document and datetimes
# --------------------------------------------------------------------------------------------


def check_provenance(document: dict[str, Any], limits: Limits) -> None:
    """Every value of a provenance document is storable; ``params`` keeps to its limits."""
    params = document.get("params")
    rest = {k: v for k, v in document.items() if k != "params"}
    # Other fields are small by schema; bound their depth only so the walk stays cheap.
    check_json(rest, "provenance", max_depth=limits.params_depth + 2)
    if params is None:
        return
    check_json(params, "params", max_depth=limits.params_depth)
    size = len(json.dumps(params))
    if size > limits.params_bytes:
        raise refuse(
            "params",
            f"params is {size:,} bytes as JSON; the limit is {limits.params_bytes:,}.",
        )


def check_datetime(value: datetime, field: str = "generated_at") -> datetime:
    """An aware datetime inside what every supported database holds (years 1–9999 in UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        in_utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not MIN_DATETIME <= in_utc <= MAX_DATETIME:
        raise ValueError("is outside the dates that can be stored (years 1 to 9999, in UTC)")
    return value
