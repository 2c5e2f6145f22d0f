"""Admin for editors: upload with provenance, browse with thumbnails, rebuild variants, tokens."""

from __future__ import annotations

import json
import uuid
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from imagekit.cachefiles import ImageCacheFile

from . import c2pa, extraction, focal_admin, formats, renditions, search, storage, validation
from .errors import CodedError
from .ingest import IngestError, commit, prepare, read_upload
from .models import ApiToken, Asset, GenerativeModel, Provenance, Variant
from .paging import BoundedListMixin
from .renditions.previews import AdminThumbnail
from .signals import model_rules_changed

# A generative model's fields that shape its assets' public renditions.
RENDITION_RULES = ("redact_faces", "prompts_public_by_default")


@admin.register(GenerativeModel)
class GenerativeModelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "version",
        "licence",
        "restricts_public_use",
        "redact_faces",
        "prompts_public_by_default",
        "created_at",
    ]
    list_filter = ["restricts_public_use", "redact_faces", "prompts_public_by_default"]
    search_fields = ["name", "version", "licence"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [f for f in RENDITION_RULES if f in form.changed_data]
        if change and changed:  # moderation republishes them in the background
            transaction.on_commit(
                lambda: model_rules_changed.send(
                    sender=GenerativeModel, model_id=obj.pk, fields=changed
                )
            )
            count = Asset.objects.filter(provenance__model=obj, erased_at__isnull=True).count()
            self.message_user(
                request,
                f"Variants of {count} asset(s) are being rebuilt to match, in the background.",
                messages.INFO,
            )


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
            self.add_error(self._field_for(exc), f"{exc.message} ({exc.code})")
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


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    can_delete = False
    fields = [
        "format",
        "width",
        "height",
        "bytes",
        "status",
        "c2pa",
        "attempts",
        "error",
        "updated_at",
    ]
    readonly_fields = fields
    ordering = ["format", "-width"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FormatFilter(admin.SimpleListFilter):
    """The original's format, from the format table (never a SELECT DISTINCT over assets)."""

    title = "format"
    parameter_name = "format"

    def lookups(self, request, model_admin):
        return [(f.pillow, f.pillow) for f in formats.INPUT.values()]

    def queryset(self, request, queryset):
        return queryset.filter(format=self.value()) if self.value() else queryset


@admin.register(Asset)
class AssetAdmin(BoundedListMixin, admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "__str__",
        "model_name",
        "moderation_status",
        "published",
        "dimensions",
        "variant_health",
        "created_at",
    ]
    list_display_links = ["thumbnail", "__str__"]
    # Scale (issue 16): filters from known choices, the created_at filter's fixed ranges (no
    # date_hierarchy: it reads every distinct date), bounded counts, indexed search.
    list_filter = [
        "moderation_status",
        "published",
        "provenance__model",
        FormatFilter,
        "created_at",
    ]
    search_fields = ["=id", "=sha256", "provenance__prompt"]
    list_per_page = 50
    actions = ["rebuild_variants"]
    inlines = [VariantInline]
    readonly_fields = [
        "preview",
        "id",
        "sha256",
        "format",
        "dimensions",
        "bytes",
        "phash",
        "moderation_status",
        "published",
        "delivery_version",
        "uploaded_by",
        "uploaded_via",
        "created_at",
        "provenance_panel",
        "renditions_left_out",
        "art_direction",
    ]
    fieldsets = [
        (None, {"fields": ["preview", "title", "alt_text"]}),
        ("Art direction", {"fields": ["art_direction"]}),
        ("Provenance", {"fields": ["provenance_panel"]}),
        (
            "Original",
            {"fields": ["id", "sha256", "format", "dimensions", "bytes", "phash", "created_at"]},
        ),
        (
            "Status",
            {
                "fields": [
                    "moderation_status",
                    "published",
                    "delivery_version",
                    "uploaded_by",
                    "uploaded_via",
                ]
            },
        ),
        ("Renditions", {"fields": ["renditions_left_out"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("provenance__model")
            .prefetch_related("variants")
        )

    def get_search_results(self, request, queryset, search_term):
        """An id or sha256 finds that asset; anything else searches every prompt (private ones
        too: this is staff) through the full-text index."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(pk=uuid.UUID(term)), False
        except ValueError:
            pass
        if len(term) == 64 and all(c in "0123456789abcdef" for c in term.lower()):
            return queryset.filter(sha256=term.lower()), False
        match = search.prompt_q("provenance__prompt", term, connection.vendor)
        return queryset.filter(match), False

    # --- upload ---------------------------------------------------------------------------
    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = AssetUploadForm

            class BoundUploadForm(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            return BoundUploadForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["file", "title", "alt_text"]}),
                (
                    "Provenance",
                    {
                        "fields": [
                            "model",
                            ("new_model_name", "new_model_version"),
                            "prompt",
                            "negative_prompt",
                            "seed",
                            "params",
                            "generated_at",
                            ("source_platform", "source_job_id"),
                        ]
                    },
                ),
            ]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def add_view(self, request, form_url="", extra_context=None):
        # Committing can still be refused (erased meanwhile, storage down): the admin's
        # transaction is rolled back, commit() removed its file, and the editor is told.
        try:
            return super().add_view(request, form_url, extra_context)
        except CodedError as exc:
            self.message_user(request, f"{exc.message} ({exc.code})", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        result = commit(form.prepared, actor=request.user)
        if not result.created:
            messages.info(
                request, "This image was already in the store; showing the existing asset."
            )
        return result.asset

    class Media:
        css = {"all": ["aiassets/focal.css"]}
        js = ["aiassets/focal.js"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            focal_admin.save_from_request(self, request, obj)

    @admin.display(description="Focal point and crops")
    def art_direction(self, obj: Asset) -> str:
        return focal_admin.panel(obj)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    # --- columns --------------------------------------------------------------------------
    @admin.display(description="")
    def thumbnail(self, obj: Asset) -> str:
        return format_html(
            '<img src="{}" alt="" width="80" height="{}" loading="lazy" '
            'style="object-fit:cover;background:{};border-radius:4px">',
            reverse("admin:aiassets_asset_preview", args=[obj.pk]),
            max(1, round(80 * obj.height / obj.width)),
            obj.dominant_color or "#ddd",
        )

    @admin.display(description="Preview")
    def preview(self, obj: Asset) -> str:
        return format_html(
            '<img src="{}" alt="{}" style="max-width:320px;max-height:320px;background:{}">',
            reverse("admin:aiassets_asset_preview", args=[obj.pk]),
            obj.default_alt(),
            obj.dominant_color or "#ddd",
        )

    @admin.display(description="Model", ordering="provenance__model__name")
    def model_name(self, obj: Asset) -> str:
        prov = getattr(obj, "provenance", None)
        return str(prov.model) if prov else "—"

    @admin.display(description="Size")
    def dimensions(self, obj: Asset) -> str:
        return f"{obj.width}×{obj.height}"

    @admin.display(description="Variants")
    def variant_health(self, obj: Asset) -> str:
        counts: dict[str, int] = {}
        for v in obj.variants.all():
            counts[v.status] = counts.get(v.status, 0) + 1
        text = (
            ", ".join(f"{counts[s]} {s}" for s in ("ready", "pending", "deferred") if counts.get(s))
            or "none"
        )
        if counts.get("failed"):
            return format_html(
                '{} <strong style="color:#ba2121">{} failed</strong>', text, counts["failed"]
            )
        return text

    @admin.display(description="Left out of the plan")
    def renditions_left_out(self, obj: Asset) -> str:
        """Sizes a format's encoder cannot make (e.g. WebP past 16383 px a side), and why."""
        return "\n".join(renditions.plan(obj).left_out) or "—"

    @admin.display(description="Provenance")
    def provenance_panel(self, obj: Asset) -> str:
        try:
            prov = obj.provenance
        except Provenance.DoesNotExist:
            return "—"
        model = prov.model
        mark = partial(extraction.marked, prov)  # "(from the file)" where the file filled it
        rows = [
            ("Model", mark("model", str(model))),
            ("Licence", model.licence or "—"),
            ("Usage restrictions", model.usage_restrictions or "—"),
            ("Prompt", mark("prompt", prov.prompt)),
            ("Negative prompt", mark("negative_prompt", prov.negative_prompt or "—")),
            ("Seed", mark("seed", prov.seed or "—")),
            ("Parameters", mark("params", _pretty(prov.params))),
            ("Generated at", mark("generated_at", prov.generated_at.isoformat())),
            (
                "Faces",
                f"{len(obj.faces)} detected; "
                + ("pixelated in public variants" if obj.redaction_boxes() else "not redacted")
                + f" (redaction: {obj.get_face_redaction_display()})",
            ),
            (
                "Source",
                mark(
                    "source.platform",
                    " / ".join(x for x in (prov.source_platform, prov.source_job_id) if x) or "—",
                ),
            ),
            ("Content Credentials (original)", _c2pa_summary(prov)),
            (
                "C2PA manifest",
                _clip(json.dumps(prov.c2pa_manifest, indent=2, sort_keys=True))
                if prov.c2pa_manifest
                else "—",
            ),
            *extraction.staff_rows(prov),
        ]
        # Prompts are untrusted text: format_html_join escapes every value.
        return format_html(
            '<table class="provenance">{}</table>',
            format_html_join(
                "", '<tr><th>{}</th><td style="white-space:pre-wrap">{}</td></tr>', rows
            ),
        )

    # --- actions ---------------------------------------------------------------------------
    @admin.action(description="Rebuild variants", permissions=["rebuild"])
    def rebuild_variants(self, request, queryset):
        count = 0
        for asset in queryset:
            renditions.reset_for_rebuild(asset, only_unhealthy=False)
            renditions.schedule(asset.id)
            count += 1
        self.message_user(request, f"Rebuild requested for {count} asset(s).", messages.SUCCESS)

    def has_rebuild_permission(self, request) -> bool:
        return request.user.has_perm("aiassets.rebuild_variants")

    # --- staff-only preview ---------------------------------------------------------------
    def get_urls(self):
        urls = super().get_urls()
        extra = [
            path(
                "<uuid:asset_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="aiassets_asset_preview",
            ),
            path(
                "<uuid:asset_id>/crop/<str:slug>/",
                self.admin_site.admin_view(partial(focal_admin.crop_view, self)),
                name="aiassets_asset_crop",
            ),
            path(
                "verify/",
                self.admin_site.admin_view(self.verify_view),
                name="aiassets_asset_verify",
            ),
        ]
        return extra + urls

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        """Staff: upload a file and learn whether it came from us (C2PA manifest + pHash)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = VerifyForm(request.POST or None, request.FILES or None)
        result, error = None, ""
        if request.method == "POST" and form.is_valid():
            try:
                result = c2pa.verify(read_upload(form.cleaned_data["file"]))
            except IngestError as exc:  # empty or over the byte limit
                error = f"{exc.message} ({exc.code})"
            except c2pa.VerifyError as exc:  # not an image, truncated, a bomb…
                error = f"{exc.message} ({exc.code})"
        context = {
            **self.admin_site.each_context(request),
            "title": "Verify an image",
            "opts": self.model._meta,
            "form": form,
            "result": result,
            "error": error,
        }
        return TemplateResponse(request, _verify_template(), context)

    def preview_view(self, request: HttpRequest, asset_id) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        asset = get_object_or_404(Asset, pk=asset_id)
        try:
            source = storage.originals().open(asset.original_key, "rb")
            cached = ImageCacheFile(AdminThumbnail(source=source))
            cached.generate()
            with cached.storage.open(cached.name, "rb") as fh:
                body = fh.read()
        except (FileNotFoundError, OSError):
            raise Http404("The original is missing from storage.")
        response = HttpResponse(body, content_type="image/webp")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class VerifyForm(forms.Form):
    file = forms.FileField(help_text="PNG, JPEG, WebP or AVIF. It is read, never stored.")


def _pretty(value: dict) -> str:
    return json.dumps(value, indent=2, sort_keys=True) if value else "—"


def _clip(text: str, limit: int = 50_000) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit:,} more)"


def _c2pa_summary(prov: Provenance) -> str:
    state = prov.get_c2pa_state_display()
    failures = [f"{f.get('code')}: {f.get('explanation')}" for f in prov.c2pa_failures or []]
    return "\n".join([state, *failures])


_VERIFY_TEMPLATE = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">Home</a>
&rsaquo; <a href="{% url 'admin:aiassets_asset_changelist' %}">Assets</a> &rsaquo; Verify</div>
{% endblock %}
{% block content %}<div id="content-main">
<p>Did this image come from us? It is checked by its C2PA Content Credentials and by
perceptual hash against every asset.</p>
<form method="post" enctype="multipart/form-data">{% csrf_token %}{{ form.as_p }}
<input type="submit" value="Verify"></form>
{% if error %}<p class="errornote">{{ error }}</p>{% endif %}
{% if result %}<h2 id="verdict">{{ result.summary }}</h2>
<table><tbody>
<tr><th>Verdict</th><td>{{ result.verdict }}</td></tr>
<tr><th>Image</th><td>{{ result.info.format }}
 {{ result.info.width }}×{{ result.info.height }}</td></tr>
<tr><th>Content Credentials</th><td>{{ result.manifest.describe }}{% if result.ours %}
 (our signing key){% endif %}</td></tr>
{% if result.claimed_asset %}<tr><th>Asset named in the manifest</th><td>
<a href="{% url 'admin:aiassets_asset_change' result.claimed_asset %}">
{{ result.claimed_asset }}</a>
</td></tr>{% endif %}
{% for f in result.manifest.failures %}<tr><th>{{ f.code }}</th><td>{{ f.explanation }}</td>
</tr>{% endfor %}
<tr><th>Generator metadata (from the file)</th><td>{% if result.generator %}
<pre id="generator-metadata">{{ result.generator_json }}</pre>{% else %}none{% endif %}</td></tr>
{% if result.incoming %}<tr><th>Incoming chain (stored original)</th><td>
{{ result.incoming.describe }}<pre id="incoming-chain">{{ result.incoming_json }}</pre>
</td></tr>{% endif %}
</tbody></table>
<h3>Nearest assets by perceptual hash (match: distance ≤ {{ result.max_distance }})</h3>
<table><thead><tr><th>Asset</th><th>Distance</th><th>Match</th></tr></thead><tbody>
{% for m in result.matches %}<tr><td><a href="{% url 'admin:aiassets_asset_change' m.asset_id %}">
{{ m.title|default:m.asset_id }}</a></td><td>{{ m.distance }}{% if m.mirrored %} (mirrored)
{% endif %}</td><td>{{ m.within|yesno:"yes,no" }}</td></tr>
{% empty %}<tr><td colspan="3">No assets yet.</td></tr>{% endfor %}
</tbody></table>{% endif %}
</div>{% endblock %}
"""


def _verify_template():
    return engines["django"].from_string(_VERIFY_TEMPLATE)


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = [
            "name",
            "is_active",
            "scope_ingest",
            "scope_read",
            "requests_per_minute",
            "bytes_per_day",
        ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "hint",
        "is_active",
        "scope_ingest",
        "scope_read",
        "requests_per_minute",
        "bytes_per_day",
        "created_by",
        "last_used_at",
    ]
    list_filter = ["is_active", "scope_ingest", "scope_read"]
    search_fields = ["name"]
    form = ApiTokenForm
    readonly_fields = ["hint", "created_by", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        raw = obj.set_new_token()
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            format_html("Copy this token now; it is not shown again: <code>{}</code>", raw),
        )
