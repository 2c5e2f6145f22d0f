"""Generator metadata embedded in an original: what A1111, ComfyUI, InvokeAI, NovelAI, Fooocus,
Midjourney-style EXIF/XMP descriptions and IPTC write into the file.

Pure: a PIL image (already opened and decoded by ingest, within its limits) in, an
:class:`Embedded` out. Nothing here imports Django. Every value is untrusted: each raw chunk is
capped before parsing, JSON is parsed with a depth limit, and a parser that fails on hostile
input is skipped, never raised.

The generator formats are parsed by ``sd-parsers`` (MIT). Its own extractors are bypassed: the
JPEG one caches the last image by ``id()``, which another image can reuse, so the chunks are read
here and handed to its parsers as plain dicts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree
from PIL import Image

logger = logging.getLogger(__name__)

MAX_CHUNK_CHARS = 256 * 1024  # a larger text chunk is recorded as too large, not parsed
MAX_RAW_CHARS = 64 * 1024  # what is kept of each raw chunk for staff
MAX_JSON_DEPTH = 64
TEXT_KEYS = (
    "parameters",  # A1111, Forge, SD.Next, Fooocus (JSON)
    "prompt",  # ComfyUI API graph
    "workflow",  # ComfyUI UI graph
    "invokeai_metadata",
    "sd-metadata",
    "Dream",
    "Description",  # NovelAI
    "Comment",  # NovelAI JSON
    "Source",
    "Software",
    "Title",
    "Author",
)
_EXIF_DESCRIPTION = 0x010E
_EXIF_SOFTWARE = 0x0131
_EXIF_IFD = 0x8769
_EXIF_USER_COMMENT = 0x9286
_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}
DIGITAL_SOURCE_TYPES = (
    "trainedAlgorithmicMedia",
    "compositeWithTrainedAlgorithmicMedia",
    "algorithmicMedia",
    "compositeSynthetic",
    "digitalCapture",
    "composite",
)
_SOURCE_TYPE_BASE = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass
class Embedded:
    """What the file says about how it was made. Empty strings and None mean "not stated"."""

    generator: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    seed: int | None = None
    model_name: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    software: str = ""
    digital_source_type: str = ""
    raw: dict[str, str] = field(default_factory=dict)  # staff only: the chunks as found
    warnings: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.generator or self.prompt or self.digital_source_type or self.raw)

    def facts(self) -> dict[str, Any]:
        """The extracted facts (no raw chunks), for the provenance record and the admin."""
        out: dict[str, Any] = {
            "generator": self.generator,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "seed": self.seed,
            "model_name": self.model_name,
            "params": self.params,
            "description": self.description,
            "software": self.software,
            "digital_source_type": self.digital_source_type,
        }
        return {k: v for k, v in out.items() if v not in ("", None, {})}


def extract(im: Image.Image) -> Embedded:
    """Read every generator fact ``im`` carries. Never raises on hostile metadata."""
    try:
        return _extract(im)
    except Exception as exc:  # noqa: BLE001 - the metadata is optional; the image is fine
        logger.warning("reading embedded metadata failed: %r", exc, exc_info=True)
        return Embedded(warnings=[f"metadata unreadable: {type(exc).__name__}"])


def _extract(im: Image.Image) -> Embedded:
    found = Embedded()
    chunks = read_chunks(im, found)
    found.raw = {k: v[:MAX_RAW_CHARS] for k, v in chunks.items()}
    _parse_generator(chunks, found)
    _read_xmp(chunks.get("XMP", ""), found)
    if not found.prompt and found.description:
        found.prompt = found.description
    return found


# -- reading chunks --------------------------------------------------------------------------


def read_chunks(im: Image.Image, found: Embedded) -> dict[str, str]:
    """Text chunks, EXIF descriptions and the XMP packet, as text, each capped."""
    chunks: dict[str, str] = {}
    text = getattr(im, "text", None) if im.format == "PNG" else None
    for key, value in {**(im.info or {}), **(text or {})}.items():
        if isinstance(key, str) and isinstance(value, str) and key in TEXT_KEYS:
            chunks[key] = value
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    if isinstance(xmp, str) and xmp:
        chunks["XMP"] = xmp
    chunks.update(_exif_text(im, found))
    for key in list(chunks):
        value = chunks[key]
        if len(value) > MAX_CHUNK_CHARS:  # checked first: nothing more is done with it
            found.warnings.append(f"{key}: {len(value):,} characters, too large to parse")
            value = ""
        chunks[key] = value.replace("\x00", "")
    return {k: v for k, v in chunks.items() if v.strip()}


def _exif_text(im: Image.Image, found: Embedded) -> dict[str, str]:
    try:
        exif = im.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception as exc:  # malformed EXIF is common; it never blocks ingest
        found.warnings.append(f"EXIF unreadable: {type(exc).__name__}")
        return {}
    out: dict[str, str] = {}
    for tag, name in ((_EXIF_DESCRIPTION, "ImageDescription"), (_EXIF_SOFTWARE, "ExifSoftware")):
        value = exif.get(tag)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            out[name] = value
    comment = decode_user_comment(sub.get(_EXIF_USER_COMMENT))
    if comment:
        out["UserComment"] = comment
    return out


def decode_user_comment(value: Any) -> str:
    """EXIF UserComment: an 8-byte charset prefix, then the text (A1111 writes UNICODE)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, bytes) or len(value) < 8:
        return ""
    prefix, body = value[:8], value[8:]
    if prefix.startswith(b"UNICODE"):
        big = body[:2] != b"\xff\xfe" and (len(body) > 1 and body[0] == 0)
        return body.decode("utf-16-be" if big else "utf-16-le", "replace").lstrip("\ufeff")
    return body.decode("utf-8", "replace")


# -- generators ------------------------------------------------------------------------------


def _parse_generator(chunks: dict[str, str], found: Embedded) -> None:
    parameters = dict(chunks)
    if "parameters" not in parameters and "UserComment" in chunks:
        parameters["parameters"] = chunks["UserComment"]  # A1111 JPEG/WebP
    for parser in _parsers():
        try:
            if _too_deep(parser, parameters):
                found.warnings.append(f"{parser.generator.value}: JSON nested too deeply")
                continue
            info = parser.parse(dict(parameters))
        except RecursionError:
            found.warnings.append(f"{parser.generator.value}: JSON nested too deeply")
            continue
        except Exception:  # noqa: S112 - a parser that does not recognise the file
            continue
        _take(info, found)
        return
    found.description = chunks.get("ImageDescription") or chunks.get("Description", "")
    found.software = chunks.get("Software") or chunks.get("ExifSoftware", "")


def _parsers() -> list[Any]:
    from sd_parsers.parsers import MANAGED_PARSERS

    return [parser(normalize_parameters=True) for parser in MANAGED_PARSERS]


_JSON_KEYS = {"ComfyUI": ("prompt", "workflow"), "InvokeAI": ("invokeai_metadata", "sd-metadata")}


def _too_deep(parser: Any, parameters: dict[str, str]) -> bool:
    keys = _JSON_KEYS.get(parser.generator.value, ("parameters", "Comment"))
    return any(json_depth(parameters.get(k, "")) > MAX_JSON_DEPTH for k in keys)


_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|[\[\]{}]')


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deeply ``text`` nests brackets, counted without parsing (strings skipped); stops
    counting once past ``limit``."""
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        mark = match.group()
        if mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        elif mark in "]}":
            depth -= 1
    return deepest


def _take(info: Any, found: Embedded) -> None:
    found.generator = info.generator.value
    found.prompt = _join(info.prompts)
    found.negative_prompt = _join(info.negative_prompts)
    params: dict[str, Any] = {}
    for sampler in info.samplers:
        params.setdefault("sampler", sampler.name)
        for key, value in (sampler.parameters or {}).items():
            params.setdefault(str(key), _scalar(value))
        if sampler.model is not None:
            found.model_name = found.model_name or (sampler.model.name or "")
            if sampler.model.hash:
                params.setdefault("model_hash", str(sampler.model.hash))
    metadata = info.metadata if isinstance(info.metadata, dict) else {}
    for key in _METADATA_KEYS:  # facts some formats keep beside the sampler (NovelAI: steps)
        if isinstance(metadata.get(key), str | int | float) and key not in params:
            params[key] = _scalar(metadata[key])
    seed = params.pop("seed", None)
    found.seed = _int(seed)
    if seed is not None and found.seed is None:
        params["seed"] = seed
    found.params = {k: v for k, v in params.items() if v not in (None, "")}


_METADATA_KEYS = ("steps", "width", "height", "scheduler", "noise_schedule", "seed")


def _join(prompts: Any) -> str:
    return "\n".join(str(p.value).strip() for p in prompts or [] if str(p.value).strip())


def _scalar(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)[:1000]


def _int(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    if text.lstrip("-").isascii() and text.lstrip("-").isdigit() and len(text) <= 20:
        return int(text)
    return None


# -- XMP and IPTC ----------------------------------------------------------------------------


def _read_xmp(packet: str, found: Embedded) -> None:
    if not packet:
        return
    try:
        root = ElementTree.fromstring(packet.encode("utf-8"))
    except Exception as exc:  # malformed or hostile XML (defusedxml refuses entities)
        found.warnings.append(f"XMP unreadable: {type(exc).__name__}")
        return
    for el in root.iter():
        for name, value in el.attrib.items():
            if name == f"{{{_NS['Iptc4xmpExt']}}}DigitalSourceType":
                found.digital_source_type = source_type_uri(value)
            if name == f"{{{_NS['xmp']}}}CreatorTool" and not found.software:
                found.software = value.strip()[:200]
        if el.tag == f"{{{_NS['Iptc4xmpExt']}}}DigitalSourceType" and el.text:
            found.digital_source_type = source_type_uri(el.text)
        if el.tag == f"{{{_NS['dc']}}}description" and not found.description:
            found.description = " ".join(t.strip() for t in el.itertext() if t.strip())
        if el.tag == f"{{{_NS['xmp']}}}CreatorTool" and el.text and not found.software:
            found.software = el.text.strip()


def source_type_uri(value: str) -> str:
    """A known IPTC digital source type URI, or "" for anything else."""
    value = value.strip()
    name = value.rsplit("/", 1)[-1]
    return _SOURCE_TYPE_BASE + name if name in DIGITAL_SOURCE_TYPES else ""


extract_embedded = extract  # the name the imaging package exports
