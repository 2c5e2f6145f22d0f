"""The publication policy: what a public variant's C2PA manifest may carry. The one home.

A public variant carries **our own claim** only:

- ``c2pa.actions.v2``: ``c2pa.created`` by the generative model (as softwareAgent), or
  ``c2pa.opened`` on the original when it arrived with a manifest; ``c2pa.edited`` when faces
  were pixelated; ``c2pa.resized``. The digital source type is the one the original states
  (``compositeWithTrainedAlgorithmicMedia`` is kept), else ``trainedAlgorithmicMedia``; the
  same value goes into the IPTC XMP.
- ``com.aiassets.provenance``: asset id, model, version, licence, generated_at; the prompt only
  when the asset's prompt-visibility rule makes it public. Never the negative prompt, seed,
  parameters, uploader or source job.
- The original's own manifest (a generator's) is reduced to a privacy-safe reference: a
  ``parentOf`` ingredient with no manifest data and no thumbnail, carrying only the validation
  codes of the original's manifest, and, in our assertion, ``parent``: the original's SHA-256,
  its active manifest label and validation state. No parent assertion (a generator's prompt,
  its thumbnail) is ever copied. Staff read the full incoming chain from the stored original.
- No thumbnail of ours.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import formats, imaging
from .keys import CLAIM_GENERATOR
from .manifest import INVALID, TRUSTED, VALID, manifest_actions

if TYPE_CHECKING:
    from ..models import Asset, Provenance

# Bump when the manifest we write changes shape: it is part of every variant's recipe.
MANIFEST_VERSION = "2"
ASSERTION_LABEL = "com.aiassets.provenance"
PARENT_ID = "original"  # the ingredient's label, referenced by c2pa.opened

_IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = imaging.TRAINED_ALGORITHMIC_MEDIA
COMPOSITE = _IPTC + "compositeWithTrainedAlgorithmicMedia"
# Source types an original may state that we keep; anything else is published as TRAINED.
KEPT_SOURCE_TYPES = (TRAINED, COMPOSITE)
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# A manifest label as c2pa writes it (urn:c2pa:<uuid>[:generator[:version]]); anything else a
# hostile file put there is not published.
_LABEL = re.compile(
    r"^urn:(?:c2pa|uuid):[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
    r"(?::[A-Za-z0-9._-]{0,64}){0,2}$"
)


def builder_settings() -> dict[str, Any]:
    """c2pa Builder settings: no thumbnail of ours, offline."""
    return {
        "builder": {
            "thumbnail": {"enabled": False},
            "claim_generator_info": {"name": CLAIM_GENERATOR, "version": MANIFEST_VERSION},
        },
        # c2pa re-reads and validates every file it signs by default, which doubles the cost
        # (about 1 ms → 2 ms a variant). Marker validates the first signature of each build
        # instead: that catches a broken or expired chain at the same point, for 1/27 the cost.
        "verify": {
            "verify_after_sign": False,
            "remote_manifest_fetch": False,
            "ocsp_fetch": False,
        },
        "core": {"allowed_network_hosts": []},
    }


def software_agent(model: Any) -> dict[str, str]:
    agent = {"name": model.name}
    if model.version:
        agent["version"] = model.version
    return agent


def provenance_assertion(asset: Asset) -> dict[str, Any]:
    """Our custom assertion: model, version, licence; the prompt only where it is public."""
    prov = asset.provenance
    model = prov.model
    data: dict[str, Any] = {
        "asset_id": str(asset.id),
        "model": {"name": model.name, "version": model.version},
        "licence": model.licence,
        "generated_at": prov.generated_at.isoformat(),
    }
    if model.licence_url:
        data["licence_url"] = model.licence_url
    if prov.prompt_is_public:
        data["prompt"] = prov.prompt
    return data


@dataclass(frozen=True)
class ParentReference:
    """The original's manifest, reduced to what may be published: hash and validation."""

    sha256: str  # of the original file
    mime_type: str
    manifest: str  # the label of the original's active manifest ("" when unreadable)
    state: str  # valid | trusted | invalid
    results: dict[str, list[str]]  # validation codes: success, informational, failure

    def ingredient(self) -> dict[str, Any]:
        """A ``parentOf`` ingredient without manifest data or thumbnail."""
        ext = {f.mime: f.ext for f in formats.INPUT.values()}.get(self.mime_type)
        return {
            "title": f"original.{ext or 'bin'}",
            "format": self.mime_type,
            "relationship": "parentOf",
            "label": PARENT_ID,
            "validation_results": {
                "activeManifest": {
                    kind: [{"code": code} for code in codes] for kind, codes in self.results.items()
                }
            },
        }

    def assertion(self) -> dict[str, Any]:
        """The ``parent`` entry of our assertion."""
        return {
            "sha256": self.sha256,
            "manifest": self.manifest,
            "validation_state": self.state,
            "failures": list(self.results["failure"]),
        }


def _codes(entries: Any) -> list[str]:
    """Validation codes only (no URL, no explanation: those name the parent's assertions)."""
    found = []
    for entry in entries if isinstance(entries, list) else []:
        code = str(entry.get("code", "")) if isinstance(entry, dict) else ""
        if _CODE.match(code) and code not in found:
            found.append(code)
    return found


def parent_reference(asset: Asset, prov: Provenance) -> ParentReference | None:
    """The privacy-safe reference to the original's manifest, or None when it had none."""
    if prov.c2pa_state not in (VALID, TRUSTED, INVALID):
        return None
    stored = prov.c2pa_manifest or {}
    active = ((stored.get("validation_results") or {}).get("activeManifest")) or {}
    results = {kind: _codes(active.get(kind)) for kind in ("success", "informational")}
    results["failure"] = _codes(prov.c2pa_failures)
    label = stored.get("active_manifest")
    return ParentReference(
        sha256=asset.sha256,
        mime_type=asset.mime_type,
        manifest=label if isinstance(label, str) and _LABEL.match(label) else "",
        state=prov.c2pa_state,
        results=results,
    )


def stated_source_types(prov: Provenance | None, original: bytes | None) -> list[str]:
    """The digital source types the original states: in its manifest's actions, its XMP (read
    at ingest into ``Provenance.digital_source_type`` and ``extracted``, or from ``original``)."""
    found: list[str] = []
    stored = (prov.c2pa_manifest if prov is not None else None) or {}
    active = (stored.get("manifests") or {}).get(stored.get("active_manifest"))
    for action in manifest_actions(active if isinstance(active, dict) else None):
        found.append(str(action.get("digitalSourceType", "")))
    if prov is not None:
        found.append(prov.digital_source_type)
        found.append(str((prov.extracted or {}).get("digital_source_type", "")))
    xmp = _xmp_text(original) if original else ""
    found.extend(_IPTC + m for m in re.findall(re.escape(_IPTC) + r"([A-Za-z]+)", xmp))
    return [s for s in found if s]


def source_type(prov: Provenance | None, original: bytes | None = None) -> str:
    """The digital source type we publish: the one the original states when we keep it
    (composite wins: AI-edited is the more precise claim), else trainedAlgorithmicMedia.
    Variants pass the original's bytes; the public record relies on what ingest stored."""
    stated = stated_source_types(prov, original)
    return COMPOSITE if COMPOSITE in stated else TRAINED


def _xmp_text(data: bytes) -> str:
    """The original's XMP packet as text ('' when none or unreadable). Reads headers only."""
    from PIL import Image

    fmt = imaging.sniff_format(data)
    if fmt is None:
        return ""
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as im:
            packet = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
    except Exception:  # noqa: BLE001 - hostile input: no XMP
        return ""
    if isinstance(packet, bytes):
        packet = packet.decode("utf-8", "replace")
    return str(packet)[:1_000_000]


@dataclass(frozen=True)
class Publication:
    """What every public variant of one asset carries; computed once per build."""

    asset_id: str
    agent: dict[str, str]
    assertion: dict[str, Any]
    source_type: str
    parent: ParentReference | None
    redacted_faces: int


def publication(asset: Asset, source: str) -> Publication:
    """The publication of ``asset`` whose digital source type is ``source``."""
    prov = asset.provenance
    parent = parent_reference(asset, prov)
    assertion = provenance_assertion(asset)
    if parent is not None:
        assertion["parent"] = parent.assertion()
    return Publication(
        asset_id=str(asset.id),
        agent=software_agent(prov.model),
        assertion=assertion,
        source_type=source,
        parent=parent,
        redacted_faces=len(asset.redaction_boxes()),
    )


def claim(pub: Publication, fmt: str, width: int, height: int) -> dict[str, Any]:
    """The manifest definition of one variant (c2pa Builder JSON)."""
    mime, ext = formats.OUTPUT[fmt].mime, formats.OUTPUT[fmt].ext
    first: dict[str, Any] = {
        "action": "c2pa.opened" if pub.parent else "c2pa.created",
        "digitalSourceType": pub.source_type,
        "softwareAgent": pub.agent,
    }
    if pub.parent:
        first["parameters"] = {"ingredientIds": [PARENT_ID]}
    actions = [first]
    if pub.redacted_faces:
        actions.append(
            {
                "action": "c2pa.edited",
                "softwareAgent": {"name": CLAIM_GENERATOR},
                "description": f"Pixelated {pub.redacted_faces} detected face(s) for privacy.",
                "parameters": {"redacted_faces": pub.redacted_faces},
            }
        )
    actions.append(
        {
            "action": "c2pa.resized",
            "softwareAgent": {"name": CLAIM_GENERATOR},
            "parameters": {"width": width, "height": height},
            "description": f"Resized to {width}×{height} and encoded as {fmt.upper()}.",
        }
    )
    definition: dict[str, Any] = {
        "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": MANIFEST_VERSION}],
        "title": f"{pub.asset_id}-{width}w.{ext}",
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": actions}},
            {"label": ASSERTION_LABEL, "data": pub.assertion},
        ],
    }
    if pub.parent:
        definition["ingredients"] = [pub.parent.ingredient()]
    return definition
