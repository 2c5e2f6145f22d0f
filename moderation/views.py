"""Public takedown intake: the HTML form at /takedown/ (the JSON API, POST /api/v1/takedowns,
lives in api/takedowns.py and files through the same form).

Rate limited per client IP (MODERATION_TAKEDOWN_RATE) and never tells the requester which of
our assets matched: the request's reference is all they get back.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import ratelimit
from .forms import TakedownForm
from .models import TakedownRequest

RATE_SCOPE = ratelimit.TAKEDOWN


@require_http_methods(["GET", "HEAD", "POST"])
def takedown_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "moderation/takedown_form.html", {"form": TakedownForm()})
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
    return render(request, "moderation/takedown_received.html", {"request_id": req.pk})
