"""GET /metrics for Prometheus; /healthz and /readyz for load balancers and supervisors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from . import health
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


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No dependency is touched."""
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, Redis (when jobs use it) and storages; 503 if any fails."""
    ready, report = health.readiness()
    response = JsonResponse(report, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = "5"
    return response
