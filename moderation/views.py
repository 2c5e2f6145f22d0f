"""Public takedown intake: the HTML form at /takedown/ (the JSON API, POST /api/v1/takedowns,
lives in api/takedowns.py and files through the same form), and the reporter's status page
reached through the signed link we email.

Rate limited per client IP (MODERATION_TAKEDOWN_RATE) and never tells the requester which of
our assets matched: the request's reference is all they get back.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from aiassets.models import Asset

from . import notify, ratelimit
from .forms import TakedownForm
from .models import TakedownRequest

RATE_SCOPE = ratelimit.TAKEDOWN


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


def _blank_form(request: HttpRequest) -> HttpResponse:
    asset = _reported_asset(request)
    initial = {"evidence_url": _asset_address(request, asset)} if asset else {}
    context = {"form": TakedownForm(initial=initial), "asset": asset}
    return render(request, "moderation/takedown_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def takedown_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _blank_form(request)
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
    req = form.file_request(TakedownRequest.Source.FORM)
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
