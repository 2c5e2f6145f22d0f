"""The types every imaging module shares: the coded error, the limits, an inspection."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CodedError


class ImagingError(CodedError):
    """Untrusted image data we refuse. ``code`` is stable; ``message`` is for people."""

    str_is_message = True


@dataclass(frozen=True)
class Limits:
    max_pixels: int = 100_000_000
    max_side: int = 20_000
    allow_animated: bool = False


@dataclass(frozen=True)
class Inspection:
    """What ingest records about an original. Width and height are as displayed."""

    format: str
    mime_type: str
    extension: str
    width: int
    height: int
    mode: str
    has_alpha: bool
    frames: int
    orientation: int
    has_icc_profile: bool
