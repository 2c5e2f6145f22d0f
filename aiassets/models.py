"""The canonical store: generative models, assets (immutable originals), provenance, variants."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from operator import attrgetter
from typing import Any, NamedTuple

from django.conf import settings
from django.db import models
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase


class GenerativeModel(models.Model):
    """A model (and version) that generates images, with its licence and restrictions."""

    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100, blank=True, default="")
    licence = models.CharField(max_length=200, blank=True, default="")
    licence_url = models.URLField(blank=True, default="")
    usage_restrictions = models.TextField(blank=True, default="")
    restricts_public_use = models.BooleanField(
        default=False,
        help_text="The licence restricts public display: moderation sends these to human review.",
    )
    redact_faces = models.BooleanField(
        default=False,
        help_text="Pixelate detected faces in public variants of this model's images.",
    )
    prompts_public_by_default = models.BooleanField(
        default=False,
        help_text="Show prompts of this model's images publicly unless an asset says otherwise.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="genmodel_name_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    TAKEN_DOWN = "taken_down", "Taken down"


class VariantRow(NamedTuple):
    """What a page needs of a ready variant: a plain tuple, far cheaper than a model row."""

    width: int
    height: int
    format: str
    recipe: str
    key: str
    c2pa: str
    ratio: str = ""  # the crop's ratio slug ("16x9"); "" for the full frame


class FaceRedaction(models.TextChoices):
    INHERIT = "inherit", "As the generative model says"
    REDACT = "redact", "Pixelate faces"
    KEEP = "keep", "Keep faces"


class FocalSource(models.TextChoices):
    NONE = "", "Not set (centre)"
    SALIENCY = "saliency", "Detail estimate"
    FACES = "faces", "Detected faces"
    EDITOR = "editor", "Set by an editor"


class ReadyVariantRows:
    """A prefetcher (Django's ``get_prefetch_querysets()`` protocol, as GenericForeignKey
    uses) for ``Prefetch("ready_variant_rows", to_attr="ready_variants")``: each asset's
    servable (ready, or lazy: built on first request), planned variants as VariantRow tuples
    in ascending width, from one values_list() query for the whole page. Tuples cost far
    less than model rows on a page of pictures."""

    def __get__(self, instance: Any, owner: Any = None) -> ReadyVariantRows:
        return self

    def get_prefetch_querysets(self, instances: list[Asset], querysets: Any = None) -> tuple:
        rows = (
            Variant.objects.filter(
                asset_id__in=[a.pk for a in instances],
                status__in=SERVABLE,
                on_demand=False,
            )
            .order_by("width")
            .values_list("asset_id", "width", "height", "format", "recipe", "key", "c2pa", "ratio")
        )
        found: list[VariantRow] = []
        owner: dict[int, uuid.UUID] = {}  # id(row) -> asset pk; every row stays alive in found
        for asset_id, *fields in rows:
            found.append(VariantRow(*fields))
            owner[id(found[-1])] = asset_id
        # (rows, row -> its asset's pk, asset -> pk, single, cache name, is descriptor)
        return found, lambda row: owner[id(row)], attrgetter("pk"), False, "ready_variants", False


# Columns only an asset's own page reads (JSON documents and long texts): change lists defer
# them (paging.BoundedChangeList), so a page of 50 rows does not fetch and decode several
# hundred JSON values it never shows (issue 16). Lists that select provenance defer its own.
ASSET_DETAIL_ONLY = ("faces", "focal", "placeholder", "erasure_reason")
PROVENANCE_DETAIL_ONLY = (
    "negative_prompt",
    "params",
    "c2pa_manifest",
    "c2pa_failures",
    "extracted_fields",
    "extracted",
    "extraction_conflicts",
    "embedded_raw",
)
LIST_DEFERRED = (*ASSET_DETAIL_ONLY, *(f"provenance__{f}" for f in PROVENANCE_DETAIL_ONLY))


class AssetQuerySet(models.QuerySet):
    def with_variants(self) -> AssetQuerySet:
        """Everything a page needs in two queries: the assets (with provenance and model) and
        their ready, planned variants, attached as ``asset.ready_variants`` (VariantRow tuples,
        ascending width)."""
        return self.select_related("provenance__model").prefetch_related(
            models.Prefetch("ready_variant_rows", to_attr="ready_variants")
        )

    def public(self) -> AssetQuerySet:
        return self.filter(moderation_status=ModerationStatus.APPROVED, published=True)


class Asset(models.Model):
    """An original image. Its id, content hash and stored file never change."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Unique through asset_sha256_unique (Meta): unique=True would add a second, pattern-ops
    # index on PostgreSQL that no lookup uses (sha256 is only ever matched exactly).
    sha256 = models.CharField(max_length=64, editable=False)
    original_key = models.CharField(max_length=255, editable=False)
    format = models.CharField(max_length=10, editable=False)
    mime_type = models.CharField(max_length=40, editable=False)
    width = models.PositiveIntegerField(editable=False, help_text="As displayed.")
    height = models.PositiveIntegerField(editable=False, help_text="As displayed.")
    bytes = models.PositiveBigIntegerField(editable=False)
    has_alpha = models.BooleanField(default=False, editable=False)
    # No index: near-duplicate search compares every hash in Python (Hamming distance).
    phash = models.CharField(max_length=16, editable=False)
    placeholder = models.TextField(blank=True, default="", editable=False)
    dominant_color = models.CharField(max_length=7, blank=True, default="", editable=False)
    original_filename = models.CharField(max_length=255, blank=True, default="", editable=False)

    title = models.CharField(max_length=200, blank=True, default="")
    alt_text = models.CharField(
        max_length=500, blank=True, default="", help_text="Describes the image for screen readers."
    )
    moderation_status = models.CharField(
        max_length=20,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
        editable=False,
    )  # indexed by asset_queue_idx (status, queued_at)
    published = models.BooleanField(default=False)
    delivery_version = models.PositiveIntegerField(default=1, editable=False)
    faces = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Detected face boxes [x, y, w, h] as fractions of the displayed image.",
    )
    face_redaction = models.CharField(
        max_length=10,
        choices=FaceRedaction.choices,
        default=FaceRedaction.INHERIT,
        editable=False,
        help_text="Changed by moderators on the review page (moderation.workflow).",
    )
    # Art direction: where the subject is, (left, top, right, bottom) as fractions of the
    # displayed image; crops keep it. Set at ingest (saliency), from faces, or by an editor.
    focal = models.JSONField(default=list, blank=True, editable=False)
    focal_source = models.CharField(
        max_length=10, choices=FocalSource.choices, blank=True, default="", editable=False
    )
    focal_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    erasure_reason = models.TextField(blank=True, default="", editable=False)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    uploaded_via = models.ForeignKey(
        "ApiToken", null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the asset entered its moderation state (its latest status change); "
        "orders the review queues. Written with each moderation decision.",
    )
    queued_by = models.CharField(
        max_length=20,
        blank=True,
        default="",
        editable=False,
        help_text="Who moved the asset into its moderation state (the actor kind of that "
        "decision: user, classifier or system). Written with queued_at.",
    )

    # Tags (django-taggit) through TaggedAsset: a real foreign key, so a tag filter is an
    # indexed join, never a generic-relation scan. Public only as far as the asset is.
    tags = TaggableManager(
        through="TaggedAsset", blank=True, help_text="Comma-separated; at most 50 tags."
    )

    objects = AssetQuerySet.as_manager()
    ready_variant_rows = ReadyVariantRows()  # prefetched by with_variants()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("rebuild_variants", "Can rebuild variants")]
        constraints = [models.UniqueConstraint(fields=["sha256"], name="asset_sha256_unique")]
        indexes = [
            # The review queues: one status, oldest first, ties by id (see moderation.queues):
            # with id the index yields the page's whole order, so a page stops after 50 rows.
            models.Index(fields=["moderation_status", "queued_at", "id"], name="asset_queue_idx"),
            # The auto-rejected queue (rejected by the classifier, moderation's actor kind
            # "classifier"): a partial index over those rows only, in the queue's order.
            models.Index(
                fields=["queued_at", "id"],
                name="asset_autorejected_idx",
                condition=models.Q(moderation_status="rejected", queued_by="classifier"),
            ),
            # The public gallery: newest first, keyset-paginated over public rows only.
            models.Index(
                fields=["-created_at", "-id"],
                name="asset_public_newest_idx",
                condition=models.Q(moderation_status="approved", published=True),
            ),
            # A token's own uploads, newest first (the API's keyset-paged list).
            models.Index(
                fields=["uploaded_via", "-created_at", "-id"], name="asset_token_newest_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Asset {str(self.id)[:8]}"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding and self.queued_at is None:
            self.queued_at = self.created_at  # a new asset enters "pending" as it is created
        super().save(*args, **kwargs)

    @property
    def aspect_ratio(self) -> float:
        return self.width / self.height

    @property
    def is_public(self) -> bool:
        return self.moderation_status == ModerationStatus.APPROVED and self.published

    def redaction_boxes(
        self, provenance: Provenance | None | bool = False
    ) -> list[tuple[float, float, float, float]]:
        """The face boxes to pixelate in variants: empty unless redaction is in force.

        ``provenance``: the asset's Provenance (with its model; or anything with
        ``model.redact_faces``, as renditions.spec.ProvenanceFacts) or None when it has none,
        when the caller has read it already (batched plans); by default it is read when
        needed."""
        if not self.faces or self.face_redaction == FaceRedaction.KEEP:
            return []
        if self.face_redaction == FaceRedaction.INHERIT:
            prov = provenance
            if prov is False:
                prov = Provenance.objects.filter(asset_id=self.pk).select_related("model").first()
            if prov is None or not prov.model.redact_faces:
                return []
        return [tuple(float(v) for v in box) for box in self.faces]

    def focal_rect(self) -> tuple[float, float, float, float] | None:
        """The focal rectangle (fractions), or None when none is set (crops centre)."""
        if not self.focal or len(self.focal) != 4:
            return None
        return tuple(float(v) for v in self.focal)  # type: ignore[return-value]

    def default_alt(self) -> str:
        return self.alt_text or self.title or "AI-generated image"

    @property
    def content_credentials(self) -> str:
        """'Signed by …' when a ready variant carries our C2PA manifest, else ''.

        Uses the rows prefetched by with_variants() when present."""
        variants = getattr(self, "ready_variants", None)
        if variants is None:
            variants = self.variants.filter(status=Variant.Status.READY)
        if not any(v.c2pa == "signed" for v in variants):
            return ""
        from .c2pa import signer_label

        return f"Signed by {signer_label()}"


class TaggedAsset(TaggedItemBase):
    """One tag on one asset (django-taggit's through model, with a real foreign key)."""

    content_object = models.ForeignKey(
        Asset, on_delete=models.CASCADE, related_name="tagged_items", db_index=True
    )
    # No index of its own: taggedasset_unique starts with tag_id and serves it.
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="aiassets_taggedasset_items", db_index=False
    )

    class Meta:
        verbose_name = "asset tag"
        constraints = [
            # Also the index a tag filter walks: (tag, asset).
            models.UniqueConstraint(fields=["tag", "content_object"], name="taggedasset_unique")
        ]

    def __str__(self) -> str:
        return f"{self.content_object_id} tagged {self.tag_id}"


class Collection(models.Model):
    """A named set of assets chosen by editors; an asset may be in several."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in gallery and API URLs.")
    description = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    assets = models.ManyToManyField(Asset, related_name="collections", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PromptVisibility(models.TextChoices):
    INHERIT = "inherit", "As the generative model says"
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class C2paState(models.TextChoices):
    NOT_CHECKED = "", "Not checked"
    ABSENT = "absent", "Absent"
    VALID = "valid", "Valid (signer not in our trust anchors)"
    TRUSTED = "trusted", "Trusted"
    INVALID = "invalid", "Invalid"


class ProvenanceQuerySet(models.QuerySet):
    def prompt_public(self) -> ProvenanceQuerySet:
        return self.filter(
            models.Q(prompt_visibility=PromptVisibility.PUBLIC)
            | models.Q(
                prompt_visibility=PromptVisibility.INHERIT, model__prompts_public_by_default=True
            )
        )


class Provenance(models.Model):
    """How an asset was made. Written once at ingest; shown read-only."""

    asset = models.OneToOneField(
        Asset, primary_key=True, on_delete=models.CASCADE, related_name="provenance"
    )
    # Indexed with the asset (Meta): a filter by model is then counted from the index alone.
    model = models.ForeignKey(
        GenerativeModel, on_delete=models.PROTECT, related_name="provenances", db_index=False
    )
    prompt = models.TextField()
    negative_prompt = models.TextField(blank=True, default="")
    # Seeds are often unsigned 64-bit: kept as decimal text so none is truncated.
    seed = models.CharField(max_length=20, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    generated_at = models.DateTimeField()
    source_platform = models.CharField(max_length=100, blank=True, default="")
    source_job_id = models.CharField(max_length=200, blank=True, default="")
    prompt_visibility = models.CharField(
        max_length=10, choices=PromptVisibility.choices, default=PromptVisibility.INHERIT
    )
    # The C2PA manifest store found in the original at ingest (aiassets.c2pa.read).
    c2pa_state = models.CharField(
        "Content Credentials",
        max_length=10,
        choices=C2paState.choices,
        blank=True,
        default="",
        help_text="The original's C2PA manifest as validated at ingest.",
    )
    c2pa_manifest = models.JSONField(null=True, blank=True, editable=False)
    c2pa_failures = models.JSONField(default=list, blank=True, editable=False)
    # What the file itself says (aiassets.extraction): generator chunks, EXIF/XMP, IPTC, C2PA.
    digital_source_type = models.CharField(
        max_length=200,
        blank=True,
        default="",
        editable=False,
        help_text="The IPTC digital source type the original states (C2PA manifest or XMP).",
    )
    extracted_fields = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The fields filled from the file's own metadata (none was given for them).",
    )
    extracted = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Staff only: the generator facts read from the file, defaults and warnings.",
    )
    extraction_conflicts = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Staff only: where a given value differs from the file's (the given one won).",
    )
    embedded_raw = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Staff only: the raw metadata chunks found in the original (capped).",
    )

    objects = ProvenanceQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "provenance"
        # The admin's model filter counts up to 1,000 assets of a model: an index-only walk
        # of (model, asset) instead of a scan of provenance rows (9 ms -> 1 ms at 1M).
        indexes = [models.Index(fields=["model", "asset"], name="provenance_model_asset_idx")]

    def __str__(self) -> str:
        return f"Provenance of {self.asset_id}"

    @property
    def prompt_is_public(self) -> bool:
        return self.prompt_public(self.prompt_visibility, self.model.prompts_public_by_default)

    @staticmethod
    def prompt_public(visibility: str, model_default: bool) -> bool:
        """Whether a prompt is public, given its visibility and its model's default."""
        if visibility == PromptVisibility.INHERIT:
            return model_default
        return visibility == PromptVisibility.PUBLIC


class Variant(models.Model):
    """One derivative (width × format) of an asset, stored under a content-addressed key."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DEFERRED = "deferred", "Deferred (queue full)"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        LAZY = "lazy", "Built on first request"  # DERIVATIVE_PRECOMPUTE leaves it out

    # No index of its own: variant_spec_unique starts with asset_id and serves every lookup.
    asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, related_name="variants", db_index=False
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=10)
    recipe = models.CharField(
        max_length=16, help_text="Hash of every setting that shapes the bytes (encoder, quality)."
    )
    key = models.CharField(max_length=255)
    bytes = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    on_demand = models.BooleanField(
        default=False, help_text="Made for a signed transform URL; not part of srcset."
    )
    c2pa = models.CharField(
        "Content Credentials",
        max_length=10,
        blank=True,
        default="",
        help_text="signed; unsigned (signing off); failed (shipped unmarked, see error).",
    )
    ratio = models.CharField(
        max_length=9, blank=True, default="", help_text='Crop ratio ("16x9"); empty: full frame.'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # asset_id, not asset: ordering by the relation would join every asset (its ordering).
        ordering = ["asset_id", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "width", "format", "recipe"], name="variant_spec_unique"
            )
        ]
        # Almost every row is ready: index only the unfinished ones (healing looks for those).
        indexes = [
            models.Index(
                fields=["status", "updated_at"],
                name="variant_unfinished_idx",
                condition=~models.Q(status="ready"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.width}w {self.format} ({self.status})"

    @property
    def mime_type(self) -> str:
        from . import formats

        return formats.OUTPUT[self.format].mime


# What the origin serves under a variant's URL: ready files, and lazy ones it builds on their
# first request (DERIVATIVE_PRECOMPUTE). Pages list both.
SERVABLE = (Variant.Status.READY, Variant.Status.LAZY)


class BuildLog(models.Model):
    """One derivatives build of one asset: how long it took and what came of it.

    Kept for the operations dashboard (build latency percentiles over time)."""

    asset_id = models.UUIDField(db_index=True)
    finished_at = models.DateTimeField(default=timezone.now, db_index=True)
    seconds = models.FloatField()
    built = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"build of {self.asset_id}: {self.built} built, {self.failed} failed"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, raw: str) -> ApiToken | None:
        if not raw or len(raw) > 200:
            return None
        return self.filter(token_hash=_hash_token(raw), is_active=True).first()


class ApiToken(models.Model):
    """A bearer token for one generator. Only its SHA-256 is stored."""

    PREFIX = "aia_"

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=12, editable=False, help_text="First characters, to tell tokens apart."
    )
    is_active = models.BooleanField(default=True)
    requests_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Ingest requests per minute; empty: the site default."
    )
    bytes_per_day = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Uploaded bytes per day; empty: the site default."
    )
    # Scopes (api.auth checks them): "ingest" uploads, "read" reads the token's own uploads in
    # full and public assets through their public fields.
    scope_ingest = models.BooleanField(
        "ingest scope", default=True, help_text="May upload images (POST /api/v1/assets)."
    )
    scope_read = models.BooleanField(
        "read scope",
        default=True,
        help_text="May read its own uploads in full, and public assets' public fields.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    SCOPES = ("ingest", "read")

    @property
    def scopes(self) -> list[str]:
        return [name for name in self.SCOPES if getattr(self, f"scope_{name}")]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def limits(self) -> tuple[int, int]:
        """(requests per minute, bytes per day) for this token; 0 means unlimited."""
        from django.conf import settings as conf

        rpm = self.requests_per_minute
        bpd = self.bytes_per_day
        return (
            conf.API_RATE_REQUESTS_PER_MINUTE if rpm is None else rpm,
            conf.API_RATE_BYTES_PER_DAY if bpd is None else bpd,
        )

    def set_scopes(self, scopes: Iterable[str]) -> None:
        wanted = set(scopes)
        unknown = wanted - set(self.SCOPES)
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(sorted(unknown))}")
        for name in self.SCOPES:
            setattr(self, f"scope_{name}", name in wanted)

    def set_new_token(self) -> str:
        """Give this row a fresh token; returns the raw token, which is never stored."""
        raw = self.PREFIX + secrets.token_urlsafe(32)
        self.token_hash = _hash_token(raw)
        self.hint = raw[:10]
        return raw

    @classmethod
    def issue(
        cls, name: str, created_by=None, scopes: Iterable[str] | None = None
    ) -> tuple[ApiToken, str]:
        """Create a token (every scope unless ``scopes`` names some); the row and the raw token."""
        token = cls(name=name, created_by=created_by)
        if scopes is not None:
            token.set_scopes(scopes)
        raw = token.set_new_token()
        token.save()
        return token, raw


__all__ = [
    "ApiToken",
    "Asset",
    "C2paState",
    "BuildLog",
    "Collection",
    "FaceRedaction",
    "FocalSource",
    "GenerativeModel",
    "ModerationStatus",
    "PromptVisibility",
    "Provenance",
    "TaggedAsset",
    "Variant",
]


def _register_lookups() -> None:
    from .search import PromptFullText

    Provenance._meta.get_field("prompt").register_lookup(PromptFullText)


_register_lookups()
