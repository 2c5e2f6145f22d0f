"""Refuse oversized ingest uploads before Django spools them to disk."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

MULTIPART_OVERHEAD = 1024 * 1024  # room for the provenance field and multipart framing


class IngestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.INGEST_MAX_BYTES + MULTIPART_OVERHEAD
            if length > limit:
                return JsonResponse(
                    {
                        "error": {
                            "code": "too_large",
                            "message": f"The request is {length:,} bytes; uploads may be at most "
                            f"{settings.INGEST_MAX_BYTES:,} bytes.",
                        }
                    },
                    status=413,
                )
        return self.get_response(request)
