"""Encoding renditions: no EXIF, GPS or ICC; the IPTC AI-generated marking in XMP."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from .. import formats

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def iptc_xmp(digital_source_type: str = TRAINED_ALGORITHMIC_MEDIA) -> bytes:
    """An XMP packet carrying the IPTC digital source type (AI-generated marking)."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f'Iptc4xmpExt:DigitalSourceType="{digital_source_type}"/>'
        "</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


# Encoder keywords per format, with their defaults; DERIVATIVE_FORMATS options override them.
# Quality, speed and method come from the format table's ENCODER_DEFAULTS (one home); the rest
# are how we always call the encoders.
_ENCODER_DEFAULTS: dict[str, dict[str, Any]] = {
    "jpeg": {**formats.ENCODER_DEFAULTS["jpeg"], "progressive": True, "subsampling": 2},
    "webp": {**formats.ENCODER_DEFAULTS["webp"]},
    "avif": {**formats.ENCODER_DEFAULTS["avif"], "max_threads": 1},
}
_FIXED = {"jpeg": {"optimize": True}}


def encode(im: Image.Image, fmt: str, options: dict[str, Any], xmp: bytes) -> bytes:
    """Encode an sRGB RGB/RGBA image as ``fmt`` (avif, webp, jpeg) with no EXIF, GPS or ICC."""
    if fmt not in _ENCODER_DEFAULTS:
        raise ValueError(f"unknown output format {fmt!r}")
    im.info = {}  # never carry source metadata across
    if fmt == "jpeg" and im.mode == "RGBA":
        flat = Image.new("RGB", im.size, options.get("background", (255, 255, 255)))
        flat.paste(im, mask=im.getchannel("A"))
        im = flat
    defaults = _ENCODER_DEFAULTS[fmt]
    kwargs = {name: options.get(name, value) for name, value in defaults.items()}
    buf = io.BytesIO()
    im.save(buf, formats.OUTPUT[fmt].pillow, xmp=xmp, **kwargs, **_FIXED.get(fmt, {}))
    return buf.getvalue()
