"""The one coded error, and the one JSON error body.

Every refusal the product makes on purpose (a bad upload, an unknown asset, a storage outage)
is a :class:`CodedError`: a stable ``code`` for machines, a ``message`` for people and the HTTP
status it maps to. Each layer subclasses it; every interface turns it into the same body::

    {"error": {"code": "...", "message": "..."}}

This module imports nothing from Django at import time, so the pure imaging code can use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import JsonResponse

# The status for each stable code that does not carry its own.
STATUS_BY_CODE: dict[str, int] = {
    "bad_request": 400,
    "bad_multipart": 400,
    "too_many_fields": 400,
    "empty": 400,
    "missing_file": 400,
    "invalid_json": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "insufficient_scope": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "erased": 409,
    "conflict": 409,
    "idempotency_conflict": 409,
    "gone": 410,
    "too_large": 413,
    "unsupported_type": 415,
    "too_many_pixels": 422,
    "corrupt": 422,
    "truncated": 422,
    "polyglot": 422,
    "animated": 422,
    "invalid_metadata": 422,
    "rate_limited": 429,
    "quota_exceeded": 429,
    "internal_error": 500,
    "storage_unavailable": 503,
    "queue_unavailable": 503,
    "unavailable": 503,
}


class CodedError(Exception):
    """A refusal with a stable ``code`` and a human ``message``.

    ``status`` defaults to the code's entry in STATUS_BY_CODE (400 when unknown);
    ``headers`` (for example ``{"Retry-After": "30"}``) go on the HTTP answer."""

    default_status = 400
    str_is_message = False  # str(exc) is the message alone (for errors shown to people as is)

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, self.default_status)
        self.headers = dict(headers or {})
        self.extra = extra

    @property
    def http_status(self) -> int:
        return self.status

    def __str__(self) -> str:
        return self.message if self.str_is_message else super().__str__()

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, **self.extra)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The documented error body: ``{"error": {"code", "message", ...extra}}``."""
    return {"error": {"code": code, "message": message, **extra}}


def json_error(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JsonResponse:
    """The error body as a Django response, never cached."""
    from django.http import JsonResponse

    response = JsonResponse(error_body(code, message, **extra), status=status)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(exc: CodedError) -> JsonResponse:
    return json_error(exc.status, exc.code, exc.message, headers=exc.headers, **exc.extra)
