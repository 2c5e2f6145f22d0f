"""Forms: the public takedown form (also validates the API), the admin's takedown form, and
the reject-reason fields that the review page and the bulk actions share."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib.admin.helpers import ActionForm

from . import takedown
from .models import TakedownRequest
from .reasons import REJECT_REASONS, TAKEDOWN_REASONS


class EvidenceMixin:
    """Reads ``evidence_image`` / ``evidence_url`` into ``cleaned_data["evidence"]``."""

    public_evidence_only = False  # True: a URL may name public assets only (see takedown)

    def clean_evidence(self) -> None:
        data = self.cleaned_data
        upload = data.get("evidence_image")
        url = (data.get("evidence_url") or "").strip()
        if self.errors:
            return
        if not upload and not url:
            raise forms.ValidationError(
                "Attach the image, or give the address of the image on our site.",
                code="no_evidence",
            )
        evidence = []
        if upload:
            try:
                takedown.check_size(upload.size)  # before reading it into memory
                upload.seek(0)
                evidence.append(takedown.evidence_from_image(upload.read()))
            except takedown.EvidenceError as exc:
                self.add_error("evidence_image", forms.ValidationError(exc.message, code=exc.code))
        if url:
            try:
                evidence.append(takedown.evidence_from_url(url, self.public_evidence_only))
            except takedown.EvidenceError as exc:
                self.add_error("evidence_url", forms.ValidationError(exc.message, code=exc.code))
        data["evidence"] = evidence


class TakedownForm(EvidenceMixin, forms.Form):
    requester_name = forms.CharField(label="Your name", max_length=200)
    requester_email = forms.EmailField(label="Your email address")
    reason = forms.ChoiceField(label="Why should we remove it?", choices=TAKEDOWN_REASONS)
    details = forms.CharField(
        label="Details",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the image copies or shows, and your relationship to it.",
    )
    evidence_image = forms.FileField(
        label="The image (PNG, JPEG, WebP or AVIF)",
        required=False,
        help_text="A copy of the image you want removed, or of your original.",
    )
    evidence_url = forms.CharField(
        label="Or the address of the image on our site",
        required=False,
        max_length=2000,
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("details") or "").strip():
            self.add_error("details", "Please explain the reason.")
        self.clean_evidence()
        return data

    def file_request(self, source: str) -> TakedownRequest:
        """File the validated request (the form's and the API's one way in)."""
        data = self.cleaned_data
        return takedown.file_request(
            requester_name=data["requester_name"],
            requester_email=data["requester_email"],
            reason=data["reason"],
            details=data.get("details") or "",
            evidence=data["evidence"],
            evidence_url=(data.get("evidence_url") or "").strip(),
            source=source,
        )


class AdminTakedownForm(EvidenceMixin, forms.ModelForm):
    """Filing a request in the admin: the same evidence fields as the public form."""

    evidence_image = forms.FileField(required=False, label="Evidence image")
    evidence_url = forms.CharField(required=False, max_length=2000, label="Or URL of our asset")

    class Meta:
        model = TakedownRequest
        fields = ["requester_name", "requester_email", "reason", "details"]

    def clean(self):
        data = super().clean()
        self.clean_evidence()
        return data


class ReasonFields(forms.Form):
    reason_code = forms.ChoiceField(
        label="Reason", choices=[("", "— reason —"), *REJECT_REASONS], required=False
    )
    note = forms.CharField(label="Note", required=False, max_length=2000)


class QueueActionForm(ActionForm):
    """The admin's action bar, plus a reason and a note for bulk reject."""

    reason_code = forms.ChoiceField(
        label="Reason", choices=[("", "— reason (for reject) —"), *REJECT_REASONS], required=False
    )
    note = forms.CharField(label="Note", required=False, max_length=2000)


class ItemIdsField(forms.Field):
    """The checked item ids of the grid (``name="selected"``, repeated); at most ``limit``."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *args, limit: int = 500, **kwargs) -> None:
        self.limit = limit
        super().__init__(*args, **kwargs)

    def to_python(self, value) -> list[uuid.UUID]:
        values = [v for v in (value or []) if v]
        if len(values) > self.limit:
            raise forms.ValidationError(f"Select at most {self.limit} items at once.")
        try:
            return list(dict.fromkeys(uuid.UUID(str(v)[:64]) for v in values))
        except ValueError:
            raise forms.ValidationError("That is not an item of this queue.", code="bad_id")


class GridDecisionForm(forms.Form):
    """One decision over many items of a queue's grid; rejecting needs a reason."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    selected = ItemIdsField(error_messages={"required": "Select at least one item."})
    reason_code = forms.ChoiceField(
        label="Reason", choices=[("", "— reason (for reject) —"), *REJECT_REASONS], required=False
    )
    note = forms.CharField(label="Note", required=False, max_length=2000)

    def __init__(self, *args, decisions: tuple[str, ...] = ("approve", "reject"), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["decision"]
        field.choices = [c for c in field.choices if c[0] in decisions]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason_code"):
            self.add_error("reason_code", "Choose a reason to reject.")
        return data
