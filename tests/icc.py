"""ICC profiles for tests, built in memory from lcms's own sRGB profile.

``wide_gamut_profile()`` is a Display-P3-like matrix/TRC profile: the sRGB profile with its
colorant tags (rXYZ, gXYZ, bXYZ) moved to the P3 primaries (D50-adapted) and its description
renamed so it no longer starts with "sRGB". The tone curves stay sRGB's, as in Display P3.
"""

from __future__ import annotations

import io
import struct

from PIL import ImageCms

# Display P3 primaries adapted to the D50 profile connection space (the columns of the
# RGB -> XYZ(D50) matrix), as an ICC v4 Display P3 profile carries them.
P3_D50 = {
    b"rXYZ": (0.5151, 0.2412, -0.0011),
    b"gXYZ": (0.2920, 0.6922, 0.0419),
    b"bXYZ": (0.1571, 0.0666, 0.7841),
}
WIDE_GAMUT_DESCRIPTION = "Test P3 gamut"
D50 = (0.9642, 1.0, 0.8249)


def srgb_profile() -> bytes:
    """lcms's built-in sRGB profile, serialised."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def tag_table(profile: bytes) -> dict[bytes, tuple[int, int]]:
    """signature -> (offset, size) for every tag in an ICC profile."""
    (count,) = struct.unpack(">I", profile[128:132])
    table = {}
    for i in range(count):
        sig, offset, size = struct.unpack(">4sII", profile[132 + 12 * i : 144 + 12 * i])
        table[sig] = (offset, size)
    return table


def s15fixed16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _patch_xyz(profile: bytearray, sig: bytes, xyz: tuple[float, float, float]) -> None:
    offset, size = tag_table(bytes(profile))[sig]
    assert size == 20 and profile[offset : offset + 4] == b"XYZ ", (sig, size)
    profile[offset + 8 : offset + 20] = b"".join(s15fixed16(v) for v in xyz)


def _patch_description(profile: bytearray, text: str) -> None:
    """Replace the text of the 'desc' tag (an mluc with one record) in place.

    The new text is padded or cut to the old length so no offsets move.
    """
    offset, _size = tag_table(bytes(profile))[b"desc"]
    assert profile[offset : offset + 4] == b"mluc"
    rec = offset + 16  # first record: language, country, length, offset
    length, str_offset = struct.unpack(">II", profile[rec + 4 : rec + 12])
    chars = length // 2
    encoded = text[:chars].ljust(chars).encode("utf-16-be")
    start = offset + str_offset
    profile[start : start + length] = encoded


def wide_gamut_profile() -> bytes:
    """A Display-P3-like RGB profile (P3 primaries, sRGB curves, D65 white) as ICC bytes."""
    profile = bytearray(srgb_profile())
    for sig, xyz in P3_D50.items():
        _patch_xyz(profile, sig, xyz)
    _patch_description(profile, WIDE_GAMUT_DESCRIPTION)
    profile[84:100] = b"\x00" * 16  # profile ID (MD5): zero means "not computed"
    return bytes(profile)


def load(profile: bytes) -> ImageCms.ImageCmsProfile:
    """Parse ICC bytes with lcms (raises PyCMSError/OSError when it refuses them)."""
    return ImageCms.ImageCmsProfile(io.BytesIO(profile))


def _mluc(text: str) -> bytes:
    encoded = text.encode("utf-16-be")
    return b"mluc" + struct.pack(">IIIIII", 0, 1, 12, 0x656E5553, len(encoded), 28) + encoded


def _pad4(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def gray_profile(gamma: float = 2.2, description: str = "Test Gray 2.2") -> bytes:
    """A minimal ICC v4 grayscale display profile (D50 white, one gamma curve)."""
    tags = [
        (b"desc", _mluc(description)),
        (b"cprt", _mluc("No copyright")),
        (b"wtpt", b"XYZ \x00\x00\x00\x00" + b"".join(s15fixed16(v) for v in D50)),
        (b"kTRC", b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(gamma * 256))),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = [], b""
    for sig, data in tags:
        table.append(struct.pack(">4sII", sig, offset + len(body), len(data)))
        body += _pad4(data)
    size = offset + len(body)
    header = (
        struct.pack(">I4sI4s4s4s", size, b"lcms", 0x04300000, b"mntr", b"GRAY", b"XYZ ")
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 24  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # rendering intent: perceptual
        + b"".join(s15fixed16(v) for v in D50)
        + b"lcms"
        + b"\x00" * 44  # profile ID and reserved
    )
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", len(tags)) + b"".join(table) + body
