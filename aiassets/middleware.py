"""Guards in front of the ingest API, applied before Django parses (and spools) the upload:
the byte limit per request, and per-token request and byte budgets (429 + Retry-After)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from . import metrics, ratelimit
from .errors import json_error
from .models import ApiToken

MULTIPART_OVERHEAD = 1024 * 1024  # room for the provenance field and multipart framing
INGEST_PATH = "/api/v1/assets"


def _error(status: int, code: str, message: str, retry_after: int | None = None) -> JsonResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return json_error(status, code, message, headers=headers)


class IngestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path.rstrip("/") == INGEST_PATH:
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
            return _error(
                413,
                "too_large",
                f"The request is {length:,} bytes; uploads may be at most "
                f"{settings.INGEST_MAX_BYTES:,} bytes.",
            )
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        token = ApiToken.objects.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return None  # the API answers 401 itself
        per_minute, per_day = token.limits()
        requests = ratelimit.hit(f"api:req:{token.pk}", per_minute, 60)
        if not requests.allowed:
            metrics.LIMIT_HITS.labels("api_requests").inc()
            return _error(
                429,
                "rate_limited",
                f"Token {token.name!r} may send {per_minute} ingest requests per minute.",
                requests.retry_after,
            )
        volume = ratelimit.hit(f"api:bytes:{token.pk}", per_day, 86400, amount=max(length, 0))
        if not volume.allowed:
            metrics.LIMIT_HITS.labels("api_bytes").inc()
            return _error(
                429,
                "quota_exceeded",
                f"Token {token.name!r} may upload {per_day:,} bytes per day.",
                volume.retry_after,
            )
        return None
