"""The editor's upload form: provenance typed or taken from the file, validated by
ingest.prepare() without writing anything."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .. import validation
from ..errors import CodedError
from ..ingest import IngestError, prepare
from ..models import Asset, GenerativeModel


class ProvenanceJSONField(forms.JSONField):
    """forms.JSONField through the safe JSON reader: NaN, huge numbers and deep nesting are
    form errors, not 500s (Django's own field calls json.loads unguarded)."""

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            return None
        if isinstance(value, list | dict | int | float):
            return value
        try:
            return validation.loads(value, "params")
        except CodedError as exc:
            raise forms.ValidationError(f"{exc.message} ({exc.code})", code=exc.code)

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        return None if data is None else forms.fields.InvalidJSONInput(data)

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return super().prepare_value(value)


FROM_FILE_HELP = (
    "Leave empty to take it from the file: A1111/Forge, ComfyUI, InvokeAI, NovelAI and Fooocus "
    "files carry their prompt, seed and parameters. What you type here wins."
)


class AssetUploadForm(forms.ModelForm):
    """The add form: an original plus its provenance. ``clean()`` validates and decodes
    through ingest.prepare() and writes nothing; the admin's save step commits it."""

    file = forms.FileField(help_text="PNG, JPEG, WebP or AVIF.")
    model = forms.ModelChoiceField(
        GenerativeModel.objects.all(), required=False, help_text="Or name a new one below."
    )
    new_model_name = forms.CharField(required=False, max_length=200)
    new_model_version = forms.CharField(required=False, max_length=100)
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=FROM_FILE_HELP,
    )
    negative_prompt = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    seed = forms.IntegerField(required=False, min_value=-(2**63), max_value=2**64 - 1)
    params = ProvenanceJSONField(
        required=False, initial=dict, help_text="Sampler, steps, CFG… as JSON."
    )
    generated_at = forms.SplitDateTimeField(
        required=False,
        widget=admin.widgets.AdminSplitDateTime,
        help_text="Empty: the ingest time, when the file carries its generator's metadata.",
    )
    source_platform = forms.CharField(required=False, max_length=100)
    source_job_id = forms.CharField(required=False, max_length=200)

    class Meta:
        model = Asset
        fields = ["title", "alt_text"]

    def __init__(self, *args, request: HttpRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.prepared = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        model = data.get("model")
        upload = data["file"]
        try:
            self.prepared = prepare(
                upload,
                self._provenance(data, model),
                filename=upload.name,
                title=data.get("title") or "",
                alt_text=data.get("alt_text") or "",
            )
        except IngestError as exc:
            if exc.field == "prompt" and not data.get("prompt"):
                exc.message = "This field is required: the file carries no prompt to take."
            if exc.field == "model" and model is None:
                exc.message = "Choose a generative model or name a new one (the file names none)."
            error = forms.ValidationError(f"{exc.message} ({exc.code})", code=exc.code)
            self.add_error(self._field_for(exc), error)
        return data

    def _provenance(self, data: dict, model: GenerativeModel | None) -> dict:
        """What the editor typed; empty fields are left for the file to fill."""
        doc = {
            "prompt": data.get("prompt") or "",
            "negative_prompt": data.get("negative_prompt") or "",
            "seed": data.get("seed"),
            "params": data.get("params") or {},
            "source": {
                "platform": data.get("source_platform") or "",
                "job_id": data.get("source_job_id") or "",
            },
        }
        if model or data.get("new_model_name"):
            doc["model"] = {
                "name": model.name if model else data["new_model_name"],
                "version": model.version if model else data.get("new_model_version") or "",
            }
        if data.get("generated_at"):
            doc["generated_at"] = data["generated_at"].isoformat()
        return doc

    def _field_for(self, exc: IngestError) -> str | None:
        where = (exc.field or "").split(".")[-1].split("[")[0]
        if where in self.fields:
            return where
        if (exc.field or "").startswith("params"):
            return "params"
        return "file" if exc.code not in ("invalid_metadata", "invalid_json") else None
