"""The one format table: Pillow name, MIME type and file extension of every image format.

Pure Python, no Django: imaging, storage, renditions, delivery and the import command all
read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str  # our short name, as in DERIVATIVE_FORMATS and Variant.format
    pillow: str  # Image.format / the name Image.save() takes
    mime: str
    ext: str  # the extension keys are written with
    suffixes: tuple[str, ...]  # every file suffix that names it
    max_side: int | None = None  # the encoder's limit on either side, if it has one


PNG = Format("png", "PNG", "image/png", "png", (".png",))
JPEG = Format("jpeg", "JPEG", "image/jpeg", "jpg", (".jpg", ".jpeg"), max_side=65_535)
WEBP = Format("webp", "WEBP", "image/webp", "webp", (".webp",), max_side=16_383)
AVIF = Format("avif", "AVIF", "image/avif", "avif", (".avif",), max_side=65_536)

# Originals we accept, by Pillow name.
INPUT: dict[str, Format] = {f.pillow: f for f in (PNG, JPEG, WEBP, AVIF)}
# Renditions we make, by short name, in <picture> preference order (JPEG is the fallback).
OUTPUT: dict[str, Format] = {f.name: f for f in (AVIF, WEBP, JPEG)}
# The encoder settings renditions are made with unless DERIVATIVE_FORMATS says otherwise:
# the one home of these numbers (aiassets.conf's default and imaging.encode's fallback read
# them here). Chosen with bench/deriv_presets.py: see README "Derivative defaults".
ENCODER_DEFAULTS: dict[str, dict[str, int]] = {
    "avif": {"quality": 70, "speed": 9},
    "webp": {"quality": 88, "method": 2},
    "jpeg": {"quality": 82},
}
SOURCE_FORMATS = ("avif", "webp")
FALLBACK_FORMAT = "jpeg"

_BY_EXT: dict[str, Format] = {s.lstrip("."): f for f in (PNG, JPEG, WEBP, AVIF) for s in f.suffixes}
INPUT_SUFFIXES: frozenset[str] = frozenset(s for f in INPUT.values() for s in f.suffixes)


def by_extension(name: str) -> Format | None:
    """The format a key or file name ends with (``"x/320w-ab.avif"`` -> AVIF)."""
    return _BY_EXT.get(name.rsplit(".", 1)[-1].lower())


def mime_for(name: str) -> str:
    found = by_extension(name)
    return found.mime if found else "application/octet-stream"
