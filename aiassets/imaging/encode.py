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


def encode(im: Image.Image, fmt: str, options: dict[str, Any], xmp: bytes) -> bytes:
    """Encode an sRGB RGB/RGBA image as ``fmt`` (avif, webp, jpeg) with no EXIF, GPS or ICC."""
    pil_format = formats.OUTPUT[fmt].pillow
    im.info = {}  # never carry source metadata across
    buf = io.BytesIO()
    if fmt == "jpeg":
        if im.mode == "RGBA":
            flat = Image.new("RGB", im.size, options.get("background", (255, 255, 255)))
            flat.paste(im, mask=im.getchannel("A"))
            im = flat
        im.save(
            buf,
            pil_format,
            quality=options.get("quality", 82),
            optimize=True,
            progressive=options.get("progressive", True),
            subsampling=options.get("subsampling", 2),
            xmp=xmp,
        )
    elif fmt == "webp":
        im.save(
            buf,
            pil_format,
            quality=options.get("quality", 88),
            method=options.get("method", 4),
            xmp=xmp,
        )
    elif fmt == "avif":
        im.save(
            buf,
            pil_format,
            quality=options.get("quality", 70),
            speed=options.get("speed", 8),
            max_threads=options.get("max_threads", 1),
            xmp=xmp,
        )
    else:
        raise ValueError(f"unknown output format {fmt!r}")
    return buf.getvalue()
