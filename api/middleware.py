"""Middleware for /api/: the JSON error net, and the ingest guard.

``ApiErrorMiddleware`` (outermost, after SecurityMiddleware) turns any error response under
/api/ that is not already JSON (no route: 404; ninja's plain-text 405; an HTML error page
from another middleware) into the one error body. Nothing under /api/ answers HTML.

``IngestGuardMiddleware`` runs before Django parses (and spools) an upload: the byte limit per
request, and per-token request and byte budgets (429 + Retry-After). The counters fail open
when their store (Redis) is down: see aiassets.ratelimit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from aiassets import metrics, ratelimit
from aiassets.errors import json_error
from aiassets.models import ApiToken

from . import errors

API_PREFIX = "/api/"
MULTIPART_OVERHEAD = 1024 * 1024  # room for the provenance field and multipart framing
INGEST_PATH = "/api/v1/assets"


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self.rewrite(request, response)
        return response

    def rewrite(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        status = response.status_code
        path = request.path_info[:200]
        headers = {}
        message = ""
        if status == 404:
            message = f"There is no API endpoint at {path}."
        elif status == 405:
            allowed = response.get("Allow", "")
            headers["Allow"] = allowed
            message = f"{request.method[:20]} is not allowed on {path}; use {allowed or 'another'}."
        for name in ("Retry-After", "WWW-Authenticate"):
            if name in response:
                headers[name] = response[name]
        return errors.for_status(status, message, headers)


class IngestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info.rstrip("/") == INGEST_PATH:
            refused = self.check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.INGEST_MAX_BYTES + MULTIPART_OVERHEAD:
            return json_error(
                413,
                "too_large",
                f"The request is {length:,} bytes; uploads may be at most "
                f"{settings.INGEST_MAX_BYTES:,} bytes.",
            )
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        token = ApiToken.objects.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None or not token.has_scope("ingest"):
            return None  # the API answers 401 or 403 itself
        return self.budget(token, max(length, 0))

    def budget(self, token: ApiToken, length: int) -> HttpResponse | None:
        per_minute, per_day = token.limits()
        requests = ratelimit.hit(f"api:req:{token.pk}", per_minute, 60)
        if not requests.allowed:
            metrics.LIMIT_HITS.labels("api_requests").inc()
            return json_error(
                429,
                "rate_limited",
                f"Token {token.name!r} may send {per_minute} ingest requests per minute.",
                headers={"Retry-After": str(requests.retry_after)},
            )
        volume = ratelimit.hit(f"api:bytes:{token.pk}", per_day, 86400, amount=length)
        if not volume.allowed:
            metrics.LIMIT_HITS.labels("api_bytes").inc()
            return json_error(
                429,
                "quota_exceeded",
                f"Token {token.name!r} may upload {per_day:,} bytes per day.",
                headers={"Retry-After": str(volume.retry_after)},
            )
        return None
