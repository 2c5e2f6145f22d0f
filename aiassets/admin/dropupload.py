"""Drag-and-drop upload: one file per request, answered in JSON.

The add page's drop zone (static/aiassets/dropupload.js) posts each dropped file with the
provenance typed in the add form, here. Validation is the add form's own
(:class:`~aiassets.admin.upload.AssetUploadForm`, i.e. ``ingest.prepare()``) and storing is
``ingest.commit()``, exactly as the single-file form does. A refusal is the documented error
body ``{"error": {"code", "message", "field"}}`` with a 4xx status; nothing is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from ..errors import STATUS_BY_CODE, CodedError, error_response, json_error
from ..ingest import commit
from .upload import AssetUploadForm


def upload_view(model_admin: Any, request: HttpRequest) -> JsonResponse:
    """POST one file (and the add form's fields): 201 with the new asset, 200 when the
    image was already stored, or the error body."""
    if request.method != "POST":
        return json_error(405, "method_not_allowed", "POST one file as multipart/form-data.")
    if not model_admin.has_add_permission(request):
        return json_error(403, "forbidden", "You may not upload assets.")
    form = AssetUploadForm(request.POST, request.FILES, request=request)
    if not form.is_valid():
        code, message, field = first_error(form)
        return json_error(STATUS_BY_CODE.get(code, 400), code, message, field=field)
    try:
        result = commit(form.prepared, actor=request.user)
    except CodedError as exc:  # erased meanwhile, storage down: commit() removed its file
        return error_response(exc)
    asset = result.asset
    if result.created:
        model_admin.log_addition(request, asset, [{"added": {}}])
    return JsonResponse(
        {
            "id": str(asset.pk),
            "title": str(asset),
            "created": result.created,
            "url": reverse("admin:aiassets_asset_change", args=[asset.pk]),
            "message": "Uploaded." if result.created else "Already stored: the existing asset.",
        },
        status=201 if result.created else 200,
    )


def first_error(form: AssetUploadForm) -> tuple[str, str, str]:
    """The form's first error as (code, message, field): the file's errors first."""
    errors = form.errors.as_data()
    field = "file" if "file" in errors else next(iter(errors))
    error: ValidationError = errors[field][0]
    message = " ".join(error.messages)
    code = error.code or ""
    if code not in STATUS_BY_CODE:
        code = "missing_file" if field == "file" else "invalid_metadata"
    message = message.removesuffix(f" ({error.code})")
    if field not in ("file", "__all__"):
        label = form.fields[field].label or field.replace("_", " ").capitalize()
        message = f"{label}: {message}"
    return code, message, "" if field == "__all__" else field
