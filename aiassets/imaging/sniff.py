"""Sniffing: what the magic bytes say, and where the image stream ends (polyglots, truncation)."""

from __future__ import annotations

import struct


def sniff_format(data: bytes) -> str | None:
    """The allowed format named by the file's magic bytes, or None. Extensions are ignored."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if len(data) >= 16 and data[4:8] == b"ftyp":
        size = struct.unpack(">I", data[:4])[0]
        brands = data[8:12] + data[16 : max(16, min(size, 64))]
        if any(brands[i : i + 4] in (b"avif", b"avis") for i in range(0, len(brands) - 3, 4)):
            return "AVIF"
    return None


def describe_unknown(data: bytes) -> str:
    """A short human name for content we do not accept, for error messages."""
    head = data[:512].lstrip().lower()
    if data.startswith(b"GIF8"):
        return "a GIF image"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "a TIFF image"
    if data.startswith(b"BM"):
        return "a BMP image"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.startswith(b"%!PS"):
        return "a PostScript file"
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1"):
        return "a HEIF/HEIC image"
    if b"<svg" in head or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "an SVG document"
    if head.startswith((b"<!doctype html", b"<html")) or b"<script" in head:
        return "an HTML document"
    return "an unrecognised file type"


CORRUPT = -(2**62)  # the structure is invalid, not merely cut short


def trailing_bytes(fmt: str, data: bytes) -> int:
    """How many bytes follow the end of the image stream: -1 if the stream is cut short,
    CORRUPT if its structure is invalid."""
    if fmt == "PNG":
        return _png_trailing(data)
    if fmt == "JPEG":
        return _jpeg_trailing(data)
    if fmt == "WEBP":
        declared = struct.unpack("<I", data[4:8])[0] + 8
        declared += declared % 2  # RIFF chunks are padded to even sizes
        if len(data) < declared - 1:
            return -1
        return max(0, len(data) - declared)
    if fmt == "AVIF":
        return _isobmff_trailing(data)
    return 0


def _png_trailing(data: bytes) -> int:
    pos = 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if not ctype.isalpha() or (pos == 8 and ctype != b"IHDR"):
            return CORRUPT
        pos += 12 + length
        if ctype == b"IEND":
            return len(data) - pos
    return -1


def _jpeg_trailing(data: bytes) -> int:
    pos, n = 2, len(data)
    in_scan = False
    while pos < n - 1:
        if not in_scan:
            if data[pos] != 0xFF:
                return -1
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
                continue
            if marker == 0xD9:
                return n - (pos + 2)
            if 0xD0 <= marker <= 0xD7 or marker == 0x01:
                pos += 2
                continue
            if pos + 4 > n:
                return -1
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            pos += 2 + length
            in_scan = marker == 0xDA
            continue
        # Entropy-coded data: find the next marker that is not stuffing or a restart.
        nxt = data.find(b"\xff", pos)
        if nxt < 0 or nxt + 1 >= n:
            return -1
        follower = data[nxt + 1]
        if follower == 0x00 or 0xD0 <= follower <= 0xD7 or follower == 0xFF:
            pos = nxt + (2 if follower != 0xFF else 1)
            continue
        pos = nxt
        in_scan = False
    return -1


_TOP_LEVEL_BOXES = {
    b"ftyp",
    b"meta",
    b"mdat",
    b"moov",
    b"free",
    b"skip",
    b"uuid",
    b"wide",
    b"pdin",
    b"moof",
    b"mfra",
    b"styp",
    b"sidx",
    b"ssix",
    b"prft",
    b"emsg",
    b"mmpu",
    b"idat",
}


def _isobmff_trailing(data: bytes) -> int:
    pos, n = 0, len(data)
    while pos < n:
        if pos + 8 > n:
            return n - pos  # bytes that cannot even hold a box header
        size, btype = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            if pos + 16 > n:
                return -1
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            return 0
        if size < 8 or btype not in _TOP_LEVEL_BOXES:
            return n - pos  # not a box: data appended after the last one
        if pos + size > n:
            return -1
        pos += size
    return 0


def mpo_extra_pictures(rest: bytes) -> int | None:
    """How many complete JPEG pictures ``rest`` (the bytes after an MPO's primary picture)
    holds, back to back with only zero padding between them; None if anything else is there."""
    pos, count = 0, 0
    while pos < len(rest):
        if rest[pos] == 0:
            pos = len(rest) - len(rest[pos:].lstrip(b"\x00"))
            continue
        if not rest.startswith(b"\xff\xd8\xff", pos):
            return None
        picture = rest[pos:]
        tail = trailing_bytes("JPEG", picture)
        if tail < 0:
            return None
        pos += len(picture) - tail
        count += 1
    return count
