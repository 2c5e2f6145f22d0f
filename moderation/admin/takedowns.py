"""Takedown requests in the admin: file one, compare the evidence with the candidate matches
side by side, take the chosen matches down in one action (one Decision each), or dismiss."""

from __future__ import annotations

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from aiassets import formats, imaging, storage

from .. import previews, takedown
from ..forms import AdminTakedownForm
from ..models import TakedownRequest
from ..permissions import can_take_down


@admin.register(TakedownRequest)
class TakedownRequestAdmin(admin.ModelAdmin):
    form = AdminTakedownForm
    list_display = [
        "created_at",
        "requester_name",
        "reason",
        "status",
        "match_total",
        "source",
        "handled_by",
    ]
    list_filter = ["status", "reason", "source"]
    search_fields = ["requester_name", "requester_email", "=id", "details"]
    date_hierarchy = "created_at"

    class Media:
        css = {"all": ["moderation/moderation.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(match_total=Count("match_rows"))

    @admin.display(description="Matches", ordering="match_total")
    def match_total(self, obj: TakedownRequest) -> int:
        return obj.match_total

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # --- filing in the admin goes through the same service as the public form -------------
    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        filed = takedown.file_request(
            requester_name=data["requester_name"],
            requester_email=data["requester_email"],
            reason=data["reason"],
            details=data.get("details") or "",
            evidence=data.get("evidence") or [],
            evidence_url=(data.get("evidence_url") or "").strip(),
            source=TakedownRequest.Source.ADMIN,
        )
        obj.pk = filed.pk
        obj._state.adding = False
        obj._state.db = filed._state.db

    def save_related(self, request, form, formsets, change):
        pass  # matches are attached by takedown.file_request

    # --- the change page is the comparison page -------------------------------------------
    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            req = get_object_or_404(TakedownRequest, pk=uuid.UUID(str(object_id)))
        except ValueError:
            raise Http404
        if request.method == "POST":
            return self._act(request, req)
        matches = list(
            req.match_rows.select_related("asset__provenance__model").prefetch_related(
                "asset__variants"
            )
        )
        for match in matches:
            match.image_url = previews.image_url(match.asset, 320)
        evidence_url = ""
        if req.evidence_key:
            evidence_url = reverse("admin:moderation_takedownrequest_evidence", args=[req.pk])
        elif req.evidence_asset is not None:
            evidence_url = previews.image_url(req.evidence_asset, 320)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(req),
            "req": req,
            "matches": matches,
            "evidence_image_url": evidence_url,
            "can_act": can_take_down(request.user) and self.has_change_permission(request, req),
        }
        return TemplateResponse(request, "admin/moderation/takedown_review.html", context)

    def _act(self, request: HttpRequest, req: TakedownRequest) -> HttpResponse:
        here = reverse("admin:moderation_takedownrequest_change", args=[req.pk])
        if not (can_take_down(request.user) and self.has_change_permission(request, req)):
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "dismiss":
            takedown.dismiss(req, request.user, request.POST.get("note", "")[:2000])
            messages.info(request, "Request dismissed.")
            return HttpResponseRedirect(here)
        if action != "take_down":
            messages.error(request, "Unknown action.")
            return HttpResponseRedirect(here)
        chosen = request.POST.getlist("match")
        if not chosen:
            messages.error(request, "Select at least one match to take down.")
            return HttpResponseRedirect(here)
        outcome = takedown.take_down_matches(req, request.user, chosen)
        if outcome.taken_down:
            messages.success(request, f"Took down {len(outcome.taken_down)} asset(s).")
        if outcome.already_down:
            messages.info(request, f"{len(outcome.already_down)} asset(s) were already down.")
        for asset_id, message in outcome.refused.items():
            messages.error(request, f"{asset_id}: {message}")
        return HttpResponseRedirect(here)

    # --- the evidence, re-encoded (never the uploaded bytes), for staff only --------------
    def get_urls(self):
        return [
            path(
                "<uuid:request_id>/evidence/",
                self.admin_site.admin_view(self.evidence_view),
                name="moderation_takedownrequest_evidence",
            )
        ] + super().get_urls()

    def evidence_view(self, request: HttpRequest, request_id) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        req = get_object_or_404(TakedownRequest, pk=request_id)
        if not req.evidence_key:
            raise Http404("No uploaded evidence.")
        try:
            with storage.originals().open(req.evidence_key, "rb") as fh:
                im, info = imaging.open_image(fh.read(), takedown.limits())
            small = imaging.normalize(im, imaging.thumbnail_size(info.width, info.height, 640))
            body = imaging.encode(small.convert("RGB"), "webp", {"quality": 85}, b"")
        except (OSError, imaging.ImagingError):
            raise Http404("The evidence could not be read.")
        response = HttpResponse(body, content_type=formats.WEBP.mime)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
