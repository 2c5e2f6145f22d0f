"""Opening untrusted bytes: sniff, open with an allowlist, enforce limits, decode fully.

Pillow's plugins raise many kinds of exception on hostile input (OSError, SyntaxError,
ValueError, struct.error, AssertionError, IndexError…); every one of them becomes an
:class:`ImagingError`, so no input can turn into a server error.
"""

from __future__ import annotations

import io
import mmap
import warnings
from collections.abc import Callable
from contextlib import suppress

from PIL import Image

from .. import formats
from .sniff import CORRUPT, describe_unknown, mpo_extra_pictures, sniff_format, trailing_bytes
from .types import ImagingError, Inspection, Limits

_EXIF_ORIENTATION = 0x0112


def open_image(
    data: bytes, limits: Limits, scale_to: Callable[[Inspection], tuple[int, int]] | None = None
) -> tuple[Image.Image, Inspection]:
    """Sniff, open and fully decode untrusted bytes, enforcing ``limits``.

    Returns the decoded image (still in its source mode and orientation) and an Inspection
    of the file as stored (its full size, whatever was decoded). A camera MPO (multi-picture
    JPEG) is accepted as its primary picture. ``scale_to`` maps the inspection to the
    displayed (width, height) the caller needs at most: a JPEG is then decoded at the smallest
    DCT scale (1/2, 1/4, 1/8) that still covers it, which never holds the full-size pixels.
    Every byte of the stream is still decoded and checked.
    """
    if not data:
        raise ImagingError("empty", "The file is empty.")
    fmt = sniff_format(data)
    if fmt is None:
        raise ImagingError(
            "unsupported_type",
            f"This is {describe_unknown(data)}. Accepted types are PNG, JPEG, WebP and AVIF.",
        )
    im = _open(data, fmt)
    mapped = isinstance(data, MappedOriginal)  # a stored original, validated at ingest
    if mapped:  # its structure walk touches every page: before any pixel exists (reading a
        _check_stream_end(im, fmt, data)  # PNG's EXIF decodes it), then the pages go back
        data.release()
    _check_size(im, limits)
    frames = _frames(im, limits)
    info = _inspect(im, fmt, frames)
    if scale_to is not None and im.format in ("JPEG", "MPO"):
        _draft(im, info, scale_to(info))
    _load(im, fmt, data)
    if not mapped:
        _check_stream_end(im, fmt, data)
    return im, info


def _draft(im: Image.Image, info: Inspection, displayed: tuple[int, int]) -> None:
    """Ask the JPEG decoder for the smallest scale at least ``displayed`` (as displayed)."""
    width, height = displayed
    if width >= info.width and height >= info.height:
        return
    stored = (height, width) if info.orientation in (5, 6, 7, 8) else (width, height)
    try:
        im.draft(im.mode, stored)
    except Exception:  # noqa: BLE001 - a file draft() cannot scale is decoded at full size
        return


class MappedOriginal(mmap.mmap):
    """An original file mapped read-only: bytes-like for the checks, and decoded through
    _PagedReader, so the encoded bytes are never all resident next to the decoded pixels."""

    @classmethod
    def of(cls, path: str) -> MappedOriginal:
        with open(path, "rb") as fh:
            return cls(fh.fileno(), 0, access=mmap.ACCESS_READ)

    def startswith(self, prefix: bytes | tuple[bytes, ...]) -> bool:
        prefixes = prefix if isinstance(prefix, tuple) else (prefix,)
        return any(self[: len(p)] == p for p in prefixes)

    def release(self) -> None:
        """Hand every resident page back to the kernel (the file stays mapped)."""
        with suppress(OSError, ValueError):
            self.madvise(mmap.MADV_DONTNEED)


class _PagedReader:
    """A read-only file over a MappedOriginal that returns the pages behind it to the kernel
    as it goes (decoders read forward)."""

    STEP = 8 << 20

    def __init__(self, mapped: MappedOriginal):
        self.mapped, self.pos, self.dropped = mapped, 0, 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self.mapped) if size is None or size < 0 else self.pos + size
        chunk = self.mapped[self.pos : end]
        self.pos += len(chunk)
        if self.pos - self.dropped >= self.STEP:
            upto = self.pos - self.pos % mmap.PAGESIZE
            with suppress(OSError, ValueError):
                self.mapped.madvise(mmap.MADV_DONTNEED, self.dropped, upto - self.dropped)
            self.dropped = upto
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: len(self.mapped)}[whence]
        self.pos = max(0, base + offset)
        self.dropped = min(self.dropped, self.pos - self.pos % mmap.PAGESIZE)
        return self.pos

    def tell(self) -> int:
        return self.pos


def _open(data: bytes, fmt: str) -> Image.Image:
    stream = _PagedReader(data) if isinstance(data, MappedOriginal) else io.BytesIO(data)
    with warnings.catch_warnings():
        # Our own pixel limit applies below; Pillow's bomb *error* still guards the extreme.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(stream, formats=[fmt])
        except Image.DecompressionBombError:
            raise ImagingError("too_many_pixels", "The image declares far too many pixels.")
        except Exception:  # noqa: BLE001 - any plugin failure on untrusted bytes is a refusal
            raise _broken(fmt, data)


def _check_size(im: Image.Image, limits: Limits) -> None:
    width, height = im.size
    if width < 1 or height < 1:
        raise ImagingError("corrupt", "The file declares an empty image.")
    if width * height > limits.max_pixels:
        raise ImagingError(
            "too_many_pixels",
            f"The image is {width}×{height} ({width * height:,} pixels); "
            f"the limit is {limits.max_pixels:,} pixels.",
        )
    if max(width, height) > limits.max_side:
        raise ImagingError(
            "too_many_pixels",
            f"The image is {width}×{height}; no side may exceed {limits.max_side:,} pixels.",
        )


def _frames(im: Image.Image, limits: Limits) -> int:
    """Frames of an animation. An MPO's further pictures are not frames: only the primary
    picture is used."""
    if im.format == "MPO":
        return 1
    try:
        frames = getattr(im, "n_frames", 1) or 1
    except Exception:  # noqa: BLE001 - a broken frame table is a broken file
        raise ImagingError("corrupt", f"The {im.format} file's frame table is invalid.")
    if frames > 1 and not limits.allow_animated:
        raise ImagingError(
            "animated",
            f"The image is animated ({frames} frames); animated images are not accepted.",
        )
    return frames


def _load(im: Image.Image, fmt: str, data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            im.load()
        except Image.DecompressionBombError:
            raise ImagingError("too_many_pixels", "The image declares far too many pixels.")
        except Exception as exc:  # noqa: BLE001 - any decoder failure is a refusal
            if "truncated" in str(exc).lower() or trailing_bytes(fmt, data) == -1:
                raise _truncated(fmt)
            raise ImagingError("corrupt", f"The {fmt} file could not be decoded: {exc}."[:300])


def _check_stream_end(im: Image.Image, fmt: str, data: bytes) -> None:
    trailing = trailing_bytes(fmt, data)
    if trailing == CORRUPT:
        raise ImagingError("corrupt", f"The {fmt} file's structure is invalid.")
    if trailing < 0:
        raise _truncated(fmt)
    if trailing == 0 or data[-trailing:].strip(b"\x00") == b"":
        return
    if im.format == "MPO":
        extra = mpo_extra_pictures(data[-trailing:])
        if extra is not None and extra == getattr(im, "n_frames", 1) - 1:
            return  # the camera's further pictures, declared in the MP index
    raise ImagingError(
        "polyglot",
        f"The file has {trailing:,} bytes of other data after the end of the {fmt} image "
        "(an appended payload or a polyglot file). Re-export the image without it.",
    )


def _inspect(im: Image.Image, fmt: str, frames: int) -> Inspection:
    width, height = im.size
    orientation = read_orientation(im)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode == "P" and "transparency" in im.info
    )
    return Inspection(
        format=fmt,
        mime_type=formats.INPUT[fmt].mime,
        extension=formats.INPUT[fmt].ext,
        width=width,
        height=height,
        mode=im.mode,
        has_alpha=has_alpha,
        frames=frames,
        orientation=orientation,
        has_icc_profile=bool(im.info.get("icc_profile")),
    )


def _truncated(fmt: str) -> ImagingError:
    return ImagingError("truncated", f"The {fmt} file is truncated: its data ends early.")


def _broken(fmt: str, data: bytes) -> ImagingError:
    if trailing_bytes(fmt, data) == -1:
        return _truncated(fmt)
    return ImagingError("corrupt", f"The file starts like {fmt} but is not a valid {fmt} image.")


def read_orientation(im: Image.Image) -> int:
    """The EXIF orientation (1–8); 1 when absent or unreadable (EXIF is stripped anyway)."""
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - malformed EXIF must not make a valid image unusable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1
