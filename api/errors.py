"""Every error under /api/ is the one JSON body of aiassets.errors, whatever raised it.

Three nets, from the inside out:

1. ``CodedError`` (ingest refusals, scopes, storage outages) and ninja's own errors
   (authentication, validation) are turned into the body by handlers on the NinjaAPI.
2. Errors Django raises while it reads the request, which happens inside the view when a
   parameter is parsed (``RequestDataTooBig``, ``TooManyFieldsSent``, ``MultiPartParserError``
   for a missing boundary or an oversized part header), get handlers there too, with a code
   of their own. An unexpected exception is logged and answered ``internal_error`` (500).
3. What is answered outside any view (no route: 404; ninja's plain-text 405; a middleware's
   HTML error page) is rewritten by :class:`api.middleware.ApiErrorMiddleware`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.conf import settings
from django.core import signals
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from aiassets.errors import CodedError, error_response, json_error

logger = logging.getLogger(__name__)

# Django's request-reading errors: (exception, code, message). ``{exc}`` is Django's text.
DJANGO_ERRORS: tuple[tuple[type[Exception], str, str], ...] = (
    (
        RequestDataTooBig,
        "too_large",
        "A form field or a non-file body is larger than {limit:,} bytes; "
        "send the image as the multipart file part named 'file'.",
    ),
    (TooManyFilesSent, "too_many_fields", "The request carries too many files."),
    (TooManyFieldsSent, "too_many_fields", "The request carries too many form fields."),
    (MultiPartParserError, "bad_multipart", "The multipart body could not be read: {exc}"),
    (UnreadablePostError, "bad_request", "The request body could not be read."),
    (SuspiciousOperation, "bad_request", "The request was refused as malformed."),
    (BadRequest, "bad_request", "The request is malformed."),
    (PermissionDenied, "forbidden", "You may not do this."),
    (Http404, "not_found", "Not found."),
)

# The code an error status gets when nothing more specific is known (net 3).
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def coded(exc: Exception) -> CodedError:
    """The CodedError for one of Django's request-reading errors (see DJANGO_ERRORS)."""
    for kind, code, template in DJANGO_ERRORS:
        if isinstance(exc, kind):
            text = str(exc)[:200].rstrip(".")
            message = template.format(exc=text, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
            return CodedError(code, message if message.endswith(".") else message + ".")
    return CodedError("internal_error", "Something went wrong on our side; it has been logged.")


def for_status(
    status: int, message: str = "", headers: dict[str, str] | None = None
) -> JsonResponse:
    """The body for a bare status (a response some other layer made)."""
    if not message:
        try:
            message = f"{HTTPStatus(status).phrase}."
        except ValueError:
            message = "Error."
    return json_error(status, CODE_BY_STATUS.get(status, "error"), message, headers=headers)


def _coded_error(request: HttpRequest, exc: CodedError) -> HttpResponse:
    return error_response(exc)


def _django_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(coded(exc))


def _auth_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return json_error(
        401,
        "unauthorized",
        "A valid bearer token is required: send 'Authorization: Bearer <token>'.",
        headers={"WWW-Authenticate": 'Bearer realm="aiassets"'},
    )


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for err in exc.errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "form", "path"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return json_error(400, "bad_request", "; ".join(parts) + ".")


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return for_status(exc.status_code, str(exc))


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Log it as Django would (and tell listeners such as the test client); answer JSON."""
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    signals.got_request_exception.send(sender=None, request=request)
    return error_response(coded(exc))


def install(api: NinjaAPI) -> None:
    """Register every handler on ``api`` (replacing ninja's defaults, which are not our body)."""
    api.add_exception_handler(Exception, _unexpected)
    api.add_exception_handler(CodedError, _coded_error)
    api.add_exception_handler(AuthenticationError, _auth_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(HttpError, _http_error)
    for kind, _, _ in DJANGO_ERRORS:
        api.add_exception_handler(kind, _django_error)


__all__ = ["CODE_BY_STATUS", "DJANGO_ERRORS", "coded", "for_status", "install"]
