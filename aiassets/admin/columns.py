"""What the asset list and page show: thumbnails, health, the provenance panel."""

from __future__ import annotations

import json
from functools import partial

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html, format_html_join

from .. import extraction, renditions
from ..models import Asset, Provenance, Variant
from ..precompiled import frozen
from ..urlcache import reverse_ids
from .text import c2pa_summary as _c2pa_summary
from .text import clip as _clip
from .text import pretty as _pretty

HEALTH_STATUSES = (
    Variant.Status.READY,
    Variant.Status.PENDING,
    Variant.Status.DEFERRED,
    Variant.Status.FAILED,
)


def _health_count(status: str) -> Coalesce:
    rows = Variant.objects.filter(asset=OuterRef("pk"), status=status).order_by()
    return Coalesce(Subquery(rows.values("asset").annotate(n=Count("pk")).values("n")[:1]), 0)


def with_health_counts(qs: QuerySet) -> QuerySet:
    """Each asset's variant count per HEALTH_STATUSES as a subquery the database runs for the
    rows of the page only (variant_spec_unique starts with the asset), instead of loading
    every variant row of the page as a model instance (1,800 of them for 50 assets). Compiled
    once per process (aiassets.precompiled)."""
    counts = {
        f"variants_{status}": frozen(Asset, _health_count, status, output_field=IntegerField())
        for status in HEALTH_STATUSES
    }
    return qs.annotate(**counts)


def health_counts(obj: Asset) -> dict[str, int]:
    """{status: variants} from with_health_counts(), or one grouped query on a lone asset."""
    if hasattr(obj, "variants_ready"):
        return {s: getattr(obj, f"variants_{s}") for s in HEALTH_STATUSES}
    return dict(obj.variants.order_by().values_list("status").annotate(n=Count("pk")))


class AssetColumns:
    """Display columns of AssetAdmin."""

    # --- columns --------------------------------------------------------------------------
    @admin.display(description="")
    def thumbnail(self, obj: Asset) -> str:
        return format_html(
            '<img src="{}" alt="" width="80" height="{}" loading="lazy" '
            'style="object-fit:cover;background:{};border-radius:4px">',
            reverse_ids("admin:aiassets_asset_preview", obj.pk),
            max(1, round(80 * obj.height / obj.width)),
            obj.dominant_color or "#ddd",
        )

    @admin.display(description="Preview")
    def preview(self, obj: Asset) -> str:
        return format_html(
            '<img src="{}" alt="{}" style="max-width:320px;max-height:320px;background:{}">',
            reverse_ids("admin:aiassets_asset_preview", obj.pk),
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
        counts = health_counts(obj)
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
