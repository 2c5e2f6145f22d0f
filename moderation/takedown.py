"""Takedown requests: read the evidence, find our assets that look like it, take them down.

Evidence is an uploaded image (decoded through ``imaging.open_image`` with limits; anything
else is refused and nothing is stored) or the URL of one of our assets. Matching compares the
64-bit perceptual hash of the evidence, and of its mirror image so flipped copies match too,
with every asset's phash; a Hamming distance up to MODERATION_TAKEDOWN_MAX_DISTANCE is a
match (resizes and re-encodes stay within ~2, different images were ≥ 18 apart in trials).
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from aiassets import imaging, renditions, storage
from aiassets.errors import CodedError
from aiassets.models import Asset, ModerationStatus

from . import conf, notify, workflow
from .models import TakedownMatch, TakedownRequest

logger = logging.getLogger(__name__)

HASH_SIDE = 256  # ingest hashes a 256 px rendition; evidence is hashed the same way
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


class EvidenceError(CodedError):
    """Evidence we cannot use. ``code`` is stable; ``message`` is for people."""

    STATUS = {"too_large": 413, "unsupported_type": 415}
    str_is_message = True

    def __init__(self, code: str, message: str):
        super().__init__(code, message, status=self.STATUS.get(code, 422))


@dataclass(frozen=True)
class Evidence:
    phash: str
    mirrored_phash: str
    data: bytes | None = None  # an uploaded image, kept in private storage
    extension: str = ""
    asset: Asset | None = None  # when the evidence is the URL of one of our assets

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest() if self.data else ""


@dataclass(frozen=True)
class Candidate:
    asset_id: uuid.UUID
    distance: int
    mirrored: bool


def limits() -> imaging.Limits:
    return imaging.Limits(max_pixels=conf.get("MODERATION_TAKEDOWN_MAX_PIXELS"))


def _hashes(data: bytes, within: imaging.Limits | None = None) -> tuple[str, str, str]:
    try:
        im, info = imaging.open_image(data, within or limits())
        small = imaging.normalize(im, imaging.thumbnail_size(info.width, info.height, HASH_SIDE))
    except imaging.ImagingError as exc:
        raise EvidenceError(exc.code, exc.message)
    return (
        imaging.perceptual_hash(small),
        imaging.mirrored_perceptual_hash(small),
        info.extension,
    )


def check_size(size: int) -> None:
    limit = conf.get("MODERATION_TAKEDOWN_MAX_BYTES")
    if size > limit:
        raise EvidenceError(
            "too_large", f"The image is {size:,} bytes; the limit is {limit:,} bytes."
        )


def evidence_from_image(data: bytes) -> Evidence:
    """Validate and fingerprint an uploaded evidence image."""
    check_size(len(data))
    phash, mirrored, ext = _hashes(data)
    return Evidence(phash=phash, mirrored_phash=mirrored, data=data, extension=ext)


def asset_from_url(url: str, public_only: bool = False) -> Asset:
    """The asset a URL of ours points at (its id is in the path), or EvidenceError.

    With ``public_only`` (the public API) an unpublished asset answers exactly as an unknown
    id does, so the answer never tells whether an unpublished id exists."""
    url = (url or "").strip()
    found = _UUID.search(url.split("?", 1)[0]) if len(url) <= 2000 else None
    asset = None
    if found:
        assets = Asset.objects.public() if public_only else Asset.objects.all()
        try:
            asset = assets.filter(pk=uuid.UUID(found.group(0))).first()
        except ValueError:
            asset = None
    if asset is None:
        raise EvidenceError("unknown_asset", "That address does not point to one of our images.")
    return asset


def evidence_from_url(url: str, public_only: bool = False) -> Evidence:
    asset = asset_from_url(url, public_only)
    try:
        with storage.originals().open(asset.original_key, "rb") as fh:
            phash, mirrored, _ = _hashes(fh.read(), renditions.limits())
    except (OSError, EvidenceError):
        logger.warning("original of %s unreadable; matching on its stored phash only", asset.pk)
        phash, mirrored = asset.phash, asset.phash
    return Evidence(phash=phash, mirrored_phash=mirrored, asset=asset)


def find_matches(
    phash: str, mirrored_phash: str = "", max_distance: int | None = None
) -> list[Candidate]:
    """Assets within ``max_distance`` of the hash or of its mirror, nearest first.

    Scaling note: this scans every asset's 16-hex-digit phash in Python (~1 µs per row, so
    about a second per million assets). Beyond that, index the hash: split it into
    max_distance + 1 chunks and look up exact chunk matches (pigeonhole), or keep a BK-tree
    or a vector index with Hamming distance, and check the candidates here.
    """
    limit = conf.get("MODERATION_TAKEDOWN_MAX_DISTANCE") if max_distance is None else max_distance
    want = int(phash, 16)
    mirror = int(mirrored_phash, 16) if mirrored_phash else None
    found: list[Candidate] = []
    rows = Asset.objects.exclude(phash="").values_list("pk", "phash")
    for pk, value in rows.iterator(chunk_size=5000):
        try:
            have = int(value, 16)
        except ValueError:
            continue
        direct = (want ^ have).bit_count()
        flipped = (mirror ^ have).bit_count() if mirror is not None else 65
        best = min(direct, flipped)
        if best <= limit:
            found.append(Candidate(pk, best, flipped < direct))
    return sorted(found, key=lambda c: (c.distance, str(c.asset_id)))


def file_request(
    *,
    requester_name: str,
    requester_email: str,
    reason: str,
    details: str = "",
    evidence: Iterable[Evidence] = (),
    evidence_url: str = "",
    source: str = TakedownRequest.Source.FORM,
) -> TakedownRequest:
    """Record a request, keep the uploaded evidence privately, and attach the matches."""
    evidence = list(evidence)
    upload = next((e for e in evidence if e.data), None)
    linked = next((e for e in evidence if e.asset is not None), None)
    first = upload or linked
    request_id = uuid.uuid4()
    key = ""
    if upload is not None:
        key = f"takedowns/{request_id}/{upload.sha256}.{upload.extension}"
        saved = storage.originals().save(key, ContentFile(upload.data))
        if saved != key:
            raise RuntimeError(f"storage wrote {saved!r} instead of {key!r}")
    try:
        with transaction.atomic():
            req = TakedownRequest.objects.create(
                id=request_id,
                requester_name=requester_name[:200],
                requester_email=requester_email,
                reason=reason,
                details=details,
                evidence_url=evidence_url[:2000],
                evidence_asset=linked.asset if linked else None,
                evidence_key=key,
                evidence_sha256=upload.sha256 if upload else "",
                evidence_phash=first.phash if first else "",
                evidence_mirrored_phash=first.mirrored_phash if first else "",
                source=source,
            )
            attach_matches(req, evidence)
    except BaseException:
        if key:
            storage.originals().delete(key)
        raise
    logger.info("takedown request %s filed via %s: %d match(es)", req.pk, source, req.match_count)
    notify.request_filed(req)
    return req


def attach_matches(req: TakedownRequest, evidence: Iterable[Evidence]) -> None:
    best: dict[uuid.UUID, Candidate] = {}
    for item in evidence:
        if item.asset is not None:
            best[item.asset.pk] = Candidate(item.asset.pk, 0, False)
        for cand in find_matches(item.phash, item.mirrored_phash):
            if cand.asset_id not in best or cand.distance < best[cand.asset_id].distance:
                best[cand.asset_id] = cand
    TakedownMatch.objects.bulk_create(
        [
            TakedownMatch(
                request=req, asset_id=c.asset_id, distance=c.distance, mirrored=c.mirrored
            )
            for c in best.values()
        ],
        ignore_conflicts=True,
    )
    req.match_count = len(best)
    if not best:
        TakedownRequest.objects.filter(pk=req.pk).update(status=TakedownRequest.Status.NO_MATCH)
        req.status = TakedownRequest.Status.NO_MATCH


@dataclass
class TakedownOutcome:
    taken_down: list[Asset] = field(default_factory=list)
    already_down: list[Asset] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # asset id -> message


def take_down_matches(
    req: TakedownRequest, user: Any, asset_ids: Iterable[uuid.UUID | str] | None = None
) -> TakedownOutcome:
    """Take down the request's matched assets (or the chosen ones): one Decision each."""
    outcome = TakedownOutcome()
    wanted = {str(a) for a in asset_ids} if asset_ids is not None else None
    matches = req.match_rows.select_related("asset")
    note = f"Takedown request {req.pk} ({req.get_reason_display()})"
    for match in matches:
        asset = match.asset
        if wanted is not None and str(asset.pk) not in wanted:
            continue
        if asset.moderation_status == ModerationStatus.TAKEN_DOWN:
            outcome.already_down.append(asset)
            continue
        try:
            workflow.take_down(
                asset, by=user, reason_code=f"takedown_{req.reason}", note=note, takedown=req
            )
        except workflow.WorkflowError as exc:
            outcome.refused[str(asset.pk)] = str(exc)
            continue
        outcome.taken_down.append(asset)
    if outcome.taken_down or outcome.already_down:
        TakedownRequest.objects.filter(pk=req.pk).update(
            status=TakedownRequest.Status.ACTIONED, handled_by=user, handled_at=timezone.now()
        )
        req.refresh_from_db()
        notify.request_resolved(req)
    return outcome


def dismiss(req: TakedownRequest, user: Any, note: str = "") -> None:
    TakedownRequest.objects.filter(pk=req.pk).update(
        status=TakedownRequest.Status.DISMISSED,
        handled_by=user,
        handled_at=timezone.now(),
        resolution_note=note,
    )
    req.refresh_from_db()
    notify.request_resolved(req)
