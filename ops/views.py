"""GET /metrics for Prometheus."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .access import refusal
from .metrics import exposition


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition, for a scraper with the token and/or from an allowed network."""
    refused = refusal(request)
    if refused is not None:
        return refused
    body, content_type = exposition(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)
