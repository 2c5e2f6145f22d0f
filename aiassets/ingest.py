"""Ingest: the one entry point through which originals enter the store.

``ingest(file, provenance, actor)`` sniffs the real type, decodes fully, enforces limits,
fingerprints the image, stores the original once under a private content-addressed key, and
writes the rows in one transaction. Derivatives and moderation are enqueued on commit.
Every refusal is an :class:`IngestError` with a stable code, and leaves no row and no file.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from . import c2pa, extraction, imaging, metrics, renditions, storage, validation
from .errors import CodedError
from .models import ApiToken, Asset, FocalSource, GenerativeModel, Provenance
from .schemas import ProvenanceGiven, ProvenanceIn, describe_errors
from .signals import asset_ingested

logger = logging.getLogger(__name__)


class IngestError(CodedError):
    """A refused ingest. ``code`` is stable (for machines), ``message`` is for people;
    ``field``, when known, names the provenance field at fault (for form errors)."""

    def __init__(self, code: str, message: str, *, field: str | None = None, **kwargs: Any):
        super().__init__(code, message, **kwargs)
        self.field = field


@dataclass(frozen=True)
class IngestResult:
    asset: Asset
    created: bool


Document = ProvenanceIn | dict[str, Any] | str | bytes | None


def parse_provenance(raw: Document) -> ProvenanceIn:
    """Validate a complete provenance from JSON text or a dict; raise IngestError with a
    readable message. Everything the database could not store is refused here."""
    return _parsed(raw, ProvenanceIn)


def parse_given(raw: Document) -> dict[str, Any]:
    """Validate what a channel gave (any field may be missing: the file may fill it, see
    aiassets.extraction); return the given values. None or empty text gives nothing."""
    if raw is None or (isinstance(raw, str | bytes) and not raw.strip()):
        raw = {}
    return _parsed(raw, ProvenanceGiven).given()


def _parsed(raw: Document, schema: type[ProvenanceIn]) -> Any:
    if isinstance(raw, ProvenanceIn):
        raw = raw.model_dump(mode="json")
    limits = validation.Limits.from_settings()
    try:
        if isinstance(raw, str | bytes):
            raw = validation.loads(raw, "provenance", max_bytes=limits.document_bytes)
        if not isinstance(raw, dict):
            raise IngestError("invalid_metadata", "The provenance must be a JSON object.")
        validation.check_provenance(raw, limits)
    except validation.ValidationError as exc:
        raise IngestError(exc.code, exc.message, field=exc.field)
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        raise IngestError("invalid_metadata", "Invalid provenance: " + describe_errors(exc))


def read_upload(file: IO[bytes] | bytes) -> bytes:
    """Read at most the byte limit (plus one byte to notice excess) from an upload."""
    limit = settings.INGEST_MAX_BYTES
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > limit:
            raise _too_large(size)
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data))
    if not data:
        raise IngestError("empty", "The file is empty.")
    return data


def _too_large(size: int) -> IngestError:
    return IngestError(
        "too_large",
        f"The file is {size:,} bytes or more; the limit is {settings.INGEST_MAX_BYTES:,} bytes.",
    )


def _counted(func: Callable[..., Any]) -> Callable[..., Any]:
    """Count every ingest outcome (created, duplicate, or the error code) for the metrics."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
        except IngestError as exc:
            metrics.INGESTS.labels(exc.code).inc()
            raise
        if isinstance(result, IngestResult):
            metrics.INGESTS.labels("created" if result.created else "duplicate").inc()
        return result

    return wrapper


@dataclass(frozen=True)
class PreparedIngest:
    """Everything ingest needs, validated and computed, before anything is written."""

    data: bytes
    sha256: str
    provenance: ProvenanceIn | None  # None for an existing asset (nothing is written)
    filename: str
    title: str
    alt_text: str
    existing: Asset | None = None
    info: imaging.Inspection | None = None
    phash: str = ""
    placeholder: str = ""
    colour: str = ""
    manifest: Any = None
    extraction: extraction.Extraction | None = None
    focal: tuple = ()  # the automatic focal rectangle (saliency) until faces or an editor


def ingest(
    file: IO[bytes] | bytes,
    provenance: Document,
    actor: Any = None,
    *,
    token: ApiToken | None = None,
    filename: str = "",
    title: str = "",
    alt_text: str = "",
) -> IngestResult:
    """Store a new original, or return the existing asset with the same content.

    ``actor`` is the uploading user (admin), ``token`` the generator's API token. Raises
    IngestError (with a stable code) and then leaves no row and no file behind.
    """
    prepared = prepare(file, provenance, filename=filename, title=title, alt_text=alt_text)
    return commit(prepared, actor, token=token)


@_counted
def prepare(
    file: IO[bytes] | bytes,
    provenance: Document,
    *,
    filename: str = "",
    title: str = "",
    alt_text: str = "",
) -> PreparedIngest:
    """Validate and decode everything; write nothing. Raises IngestError on any refusal.
    The provenance may leave out what the file's metadata carries (aiassets.extraction)."""
    given = parse_given(provenance)
    for field, value in (("title", title), ("alt_text", alt_text)):
        if validation.text_problem(value):
            raise IngestError(
                "invalid_metadata",
                f"{field} {validation.text_problem(value)}.",
                field=field,
            )
    data = read_upload(file)
    sha256 = hashlib.sha256(data).hexdigest()
    texts = {
        "filename": validation.storable_text(filename or "")[:255],
        "title": title[:200],
        "alt_text": alt_text[:500],
    }
    existing = Asset.objects.filter(sha256=sha256).first()
    if existing is not None and existing.erased_at is not None:
        raise IngestError(
            "erased",
            f"This image was erased on {existing.erased_at:%Y-%m-%d} and may not be uploaded "
            "again.",
        )
    if existing is not None:
        return PreparedIngest(data, sha256, None, existing=existing, **texts)
    info, phash, lqip, colour, found, focal = _decode(data)
    # Any C2PA manifest in the original: recorded (absent, valid, trusted, invalid), never refused.
    manifest = c2pa.read(data, info.mime_type)
    prov, extracted = _resolve(given, found, manifest)
    return PreparedIngest(
        data, sha256, prov, extraction=extracted, info=info, phash=phash, placeholder=lqip,
        colour=colour, manifest=manifest, focal=focal, **texts,
    )  # fmt: skip


def _resolve(
    given: dict[str, Any], found: imaging.Embedded, manifest: Any
) -> tuple[ProvenanceIn, extraction.Extraction]:
    """Given values merged with the file's metadata; a valid manifest's facts count as given."""
    stated = manifest.generator_facts() if manifest.state in (c2pa.VALID, c2pa.TRUSTED) else {}
    try:
        return extraction.resolve(given, found, stated, timezone.now())
    except CodedError as exc:
        raise IngestError(exc.code, exc.message, field=getattr(exc, "field", None))


def _decode(data: bytes) -> tuple[imaging.Inspection, str, str, str, imaging.Embedded, tuple]:
    try:
        im, info = imaging.open_image(data, renditions.limits())
        found = imaging.extract_embedded(im)  # never raises; hostile chunks are capped
        small = imaging.normalize(im, imaging.thumbnail_size(info.width, info.height, 256))
        del im
        phash = imaging.perceptual_hash(small)
        lqip, colour = imaging.placeholder(small)
        focal = imaging.crops.rounded(imaging.crops.saliency_rect(small))
    except imaging.ImagingError as exc:
        raise IngestError(exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - hostile pixels must never become a 500
        logger.warning("decoding an upload failed: %r", exc, exc_info=True)
        raise IngestError("corrupt", "The image could not be decoded.")
    return info, phash, lqip, colour, found, focal


@_counted
def commit(
    prepared: PreparedIngest, actor: Any = None, *, token: ApiToken | None = None
) -> IngestResult:
    """Store a prepared original and write its rows in one transaction.

    On any failure the stored file is removed again: no row and no file is left behind."""
    if prepared.existing is not None:
        return IngestResult(prepared.existing, created=False)
    info = prepared.info
    asset_id = uuid.uuid4()
    key = storage.original_key(asset_id, prepared.sha256, info.extension)
    try:
        stored_as = storage.originals().save(key, ContentFile(prepared.data))
    except storage.UNAVAILABLE as exc:
        _discard(key)  # in case the write landed although the answer was lost
        raise _storage_unavailable(exc) from exc
    try:
        if stored_as != key:
            raise RuntimeError(f"storage wrote {stored_as!r} instead of {key!r}")
        with transaction.atomic():
            asset = _write_rows(prepared, asset_id, key, actor, token)
    except IntegrityError:
        _discard(stored_as)
        existing = Asset.objects.filter(sha256=prepared.sha256).first()
        if existing is not None:  # the same content won a race with us
            return IngestResult(existing, created=False)
        raise
    except BaseException:
        _discard(stored_as)
        raise
    _log_ingested(asset, prepared)
    return IngestResult(asset, created=True)


def _write_rows(
    prepared: PreparedIngest, asset_id: uuid.UUID, key: str, actor: Any, token: ApiToken | None
) -> Asset:
    info, prov, manifest = prepared.info, prepared.provenance, prepared.manifest
    asset = Asset.objects.create(
        id=asset_id,
        sha256=prepared.sha256,
        original_key=key,
        format=info.format,
        mime_type=info.mime_type,
        width=info.width,
        height=info.height,
        bytes=len(prepared.data),
        has_alpha=info.has_alpha,
        phash=prepared.phash,
        placeholder=prepared.placeholder,
        dominant_color=prepared.colour,
        focal=list(prepared.focal),
        focal_source=FocalSource.SALIENCY if prepared.focal else FocalSource.NONE,
        original_filename=prepared.filename,
        title=prepared.title,
        alt_text=prepared.alt_text,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_via=token,
    )
    Provenance.objects.create(
        asset=asset,
        model=_generative_model(prov),
        prompt=prov.prompt,
        negative_prompt=prov.negative_prompt,
        seed="" if prov.seed is None else str(prov.seed),
        params=prov.params,
        generated_at=prov.generated_at,
        source_platform=prov.source.platform,
        source_job_id=prov.source.job_id,
        prompt_visibility=prov.prompt_visibility,
        c2pa_state=manifest.state,
        c2pa_manifest=manifest.stored_manifest(),
        c2pa_failures=manifest.failures,
        **prepared.extraction.row(),
    )
    renditions.ensure_rows(asset)
    renditions.schedule(asset.id)
    transaction.on_commit(lambda: asset_ingested.send(sender=Asset, asset_id=asset.id))
    return asset


def _log_ingested(asset: Asset, prepared: PreparedIngest) -> None:
    info, model = prepared.info, asset.provenance.model
    logger.info(
        "ingested asset %s (%s %dx%d, %d bytes) model=%s",
        asset.id,
        info.format,
        info.width,
        info.height,
        len(prepared.data),
        model,
        extra={
            "event": "asset.ingested",
            "asset_id": str(asset.id),
            "image_format": info.format,
            "width": info.width,
            "height": info.height,
            "bytes": len(prepared.data),
            "model": str(model),
        },
    )


def _generative_model(prov: ProvenanceIn) -> GenerativeModel:
    name, version = prov.model.name, prov.model.version
    try:
        with transaction.atomic():
            return GenerativeModel.objects.get_or_create(name=name, version=version)[0]
    except IntegrityError:
        return GenerativeModel.objects.get(name=name, version=version)


def _storage_unavailable(exc: Exception) -> IngestError:
    logger.error(
        "storage unavailable at ingest: %s",
        exc,
        extra={"event": "ingest.storage_unavailable", "error": type(exc).__name__},
    )
    return IngestError(
        "storage_unavailable",
        "File storage is unavailable; nothing was stored. Try again shortly.",
        status=503,
        headers={"Retry-After": str(storage.RETRY_AFTER)},
    )


def _discard(key: str) -> None:
    try:
        storage.originals().delete(key)
    except Exception:  # never mask the original error
        logger.exception("could not remove %s after a failed ingest", key)
