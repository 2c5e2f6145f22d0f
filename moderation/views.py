"""Public takedown intake: an HTML form at /takedown/ and POST /api/v1/takedowns (JSON).

Both are rate limited per client IP (MODERATION_TAKEDOWN_RATE) and never tell the requester
which of our assets matched: the request's reference is all they get back.
"""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from aiassets.errors import json_error
from aiassets.models import Asset

from . import notify, ratelimit, takedown
from .forms import TakedownForm
from .models import TakedownRequest

RATE_SCOPE = "takedown"


def _file(form: TakedownForm, source: str) -> TakedownRequest:
    data = form.cleaned_data
    return takedown.file_request(
        requester_name=data["requester_name"],
        requester_email=data["requester_email"],
        reason=data["reason"],
        details=data.get("details") or "",
        evidence=data["evidence"],
        evidence_url=(data.get("evidence_url") or "").strip(),
        source=source,
    )


def _reported_asset(request: HttpRequest) -> Asset | None:
    """The public asset ``?asset=<id>`` names; None for anything else (no existence oracle)."""
    try:
        asset_id = uuid.UUID((request.GET.get("asset") or "")[:64])
    except ValueError:
        return None
    return Asset.objects.public().filter(pk=asset_id).first()


def _asset_address(request: HttpRequest, asset: Asset) -> str:
    """The page the reporter came from when it shows the asset, else the asset's id."""
    referer = request.headers.get("Referer", "")[:2000]
    return referer if str(asset.pk) in referer else str(asset.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def takedown_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        asset = _reported_asset(request)
        initial = {"evidence_url": _asset_address(request, asset)} if asset else {}
        context = {"form": TakedownForm(initial=initial), "asset": asset}
        return render(request, "moderation/takedown_form.html", context)
    form = TakedownForm(request.POST, request.FILES)
    rate = ratelimit.hit(RATE_SCOPE, request)
    if not rate.allowed:
        form.is_valid()  # keep what they typed, but file nothing
        response = render(
            request,
            "moderation/takedown_form.html",
            {"form": form, "rate_limited": True, "retry_minutes": -(-rate.retry_after // 60)},
            status=429,
        )
        response["Retry-After"] = str(rate.retry_after)
        return response
    if not form.is_valid():
        return render(request, "moderation/takedown_form.html", {"form": form}, status=400)
    req = _file(form, TakedownRequest.Source.FORM)
    context = {"request_id": req.pk, "status_url": notify.status_url(req, "")}
    return render(request, "moderation/takedown_received.html", context)


@require_http_methods(["GET", "HEAD"])
def takedown_status(request: HttpRequest, token: str) -> HttpResponse:
    """What became of a request, for whoever holds its signed link (sent by email)."""
    req = notify.request_from_token(token)
    if req is None:
        return render(request, "moderation/takedown_status.html", {"req": None}, status=404)
    response = render(request, "moderation/takedown_status.html", {"req": req})
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _error(status: int, code: str, message: str, **extra) -> JsonResponse:
    return json_error(status, code, message, **extra)


@csrf_exempt
@require_POST
def takedown_api(request: HttpRequest) -> HttpResponse:
    """POST /api/v1/takedowns: multipart (with ``evidence_image``) or a JSON object."""
    rate = ratelimit.hit(RATE_SCOPE, request)
    if not rate.allowed:
        response = _error(429, "rate_limited", "Too many requests; try again later.")
        response["Retry-After"] = str(rate.retry_after)
        return response
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return _error(400, "invalid_json", "The body is not valid JSON.")
        if not isinstance(payload, dict):
            return _error(400, "invalid_json", "The body must be a JSON object.")
        form = TakedownForm({k: str(v) for k, v in payload.items() if v is not None})
    else:
        form = TakedownForm(request.POST, request.FILES or MultiValueDict())
    if not form.is_valid():
        errors = form.errors.as_data()
        fields = {name: list(errs) for name, errs in form.errors.items()}
        first = next(
            (e for name in ("evidence_image", "evidence_url") for e in errors.get(name, [])),
            None,
        )
        status = takedown.EvidenceError.STATUS.get(getattr(first, "code", ""), 422)
        return _error(
            status,
            getattr(first, "code", None) or "invalid",
            "The request is incomplete or invalid.",
            fields=fields,
        )
    req = _file(form, TakedownRequest.Source.API)
    return JsonResponse({"id": str(req.pk), "status": "received"}, status=201)
