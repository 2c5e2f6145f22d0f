"""Pure image code: bytes and PIL images in, bytes and PIL images out.

Nothing here imports Django, so it can be tested, benchmarked and reused on its own.
Every failure on untrusted input raises :class:`ImagingError` with a stable code.

The package is split by concern; this module re-exports the public names, so
``from aiassets import imaging; imaging.open_image(...)`` is the one way to call it:

- ``sniff``: magic bytes, where the image stream ends (truncation, polyglots, MPO)
- ``decode``: opening untrusted bytes within limits
- ``colour``: 8-bit, upright, sRGB
- ``fingerprints``: perceptual hash, placeholder
- ``encode``: renditions without source metadata, with the AI-generated marking
- ``pipeline``: width plans, decode once, resize ladder
- ``redact``: face pixelation
- ``embedded``: generator metadata the file carries (A1111, ComfyUI, InvokeAI, XMP, IPTC…)
- ``crops``: aspect ratios, focal rectangles, crop boxes (``imaging.crops.parse_ratio`` …)
"""

from . import crops
from .colour import normalize, thumbnail_size
from .decode import MappedOriginal, open_image, read_orientation
from .embedded import Embedded, extract_embedded
from .encode import TRAINED_ALGORITHMIC_MEDIA, encode, iptc_xmp
from .fingerprints import hash_distance, mirrored_perceptual_hash, perceptual_hash, placeholder
from .pipeline import (
    CropJob,
    PreparedSource,
    Rendition,
    plan_widths,
    prepare_source,
    render_set,
    resize_ladder,
    scaled_height,
    variant_sizes,
)
from .redact import Box, faces_signature, redact
from .sniff import CORRUPT, describe_unknown, sniff_format, trailing_bytes
from .types import ImagingError, Inspection, Limits

__all__ = [
    "CORRUPT",
    "CropJob",
    "Embedded",
    "TRAINED_ALGORITHMIC_MEDIA",
    "crops",
    "Box",
    "ImagingError",
    "Inspection",
    "Limits",
    "MappedOriginal",
    "PreparedSource",
    "Rendition",
    "describe_unknown",
    "encode",
    "extract_embedded",
    "faces_signature",
    "hash_distance",
    "iptc_xmp",
    "mirrored_perceptual_hash",
    "normalize",
    "open_image",
    "perceptual_hash",
    "placeholder",
    "plan_widths",
    "prepare_source",
    "read_orientation",
    "redact",
    "render_set",
    "resize_ladder",
    "scaled_height",
    "sniff_format",
    "thumbnail_size",
    "trailing_bytes",
    "variant_sizes",
]
