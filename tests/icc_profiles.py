"""Real ICC v2 matrix/TRC profiles built from primaries, for colour-management tests.

Pillow's ImageCms can only create sRGB, LAB and XYZ profiles, so wide-gamut test profiles
(Adobe RGB, Display P3) are assembled here from their published chromaticities.
"""

from __future__ import annotations

import struct

import numpy as np

D65 = (0.3127, 0.3290)
D50_XYZ = np.array([0.9642, 1.0, 0.8249])
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def _xy_to_xyz(x: float, y: float) -> np.ndarray:
    return np.array([x / y, 1.0, (1 - x - y) / y])


def rgb_to_xyz_matrix(primaries: tuple[tuple[float, float], ...], white=D65) -> np.ndarray:
    """Linear RGB -> XYZ (white Y = 1) from the primaries' and white point's chromaticities."""
    columns = np.stack([_xy_to_xyz(*p) for p in primaries], axis=1)
    scale = np.linalg.solve(columns, _xy_to_xyz(*white))
    return columns * scale


def _adapt_to_d50(matrix: np.ndarray, white=D65) -> np.ndarray:
    source = _BRADFORD @ _xy_to_xyz(*white)
    target = _BRADFORD @ D50_XYZ
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(target / source) @ _BRADFORD
    return adapt @ matrix


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(xyz) -> bytes:
    return b"XYZ " + b"\0" * 4 + b"".join(_s15f16(v) for v in xyz)


def _desc_tag(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_text)) + ascii_text
        + b"\0" * 8  # no Unicode description
        + b"\0" * 3 + b"\0" * 67  # no ScriptCode description
    )


def _curve_tag(gamma: float) -> bytes:
    return b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def build_profile(name: str, primaries, gamma: float, white=D65) -> bytes:
    """An ICC v2.1 display profile with pure power-law tone curves."""
    matrix = _adapt_to_d50(rgb_to_xyz_matrix(primaries, white), white)
    tags = [
        (b"desc", _desc_tag(name)),
        (b"wtpt", _xyz_tag(D50_XYZ)),
        (b"rXYZ", _xyz_tag(matrix[:, 0])),
        (b"gXYZ", _xyz_tag(matrix[:, 1])),
        (b"bXYZ", _xyz_tag(matrix[:, 2])),
        (b"rTRC", _curve_tag(gamma)),
        (b"gTRC", _curve_tag(gamma)),
        (b"bTRC", _curve_tag(gamma)),
        (b"cprt", b"text" + b"\0" * 4 + b"public domain test profile\0"),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, body = [struct.pack(">I", len(tags))], b""
    for signature, data in tags:
        padded = data + b"\0" * (-len(data) % 4)
        table.append(signature + struct.pack(">II", offset + len(body), len(data)))
        body += padded
    size = 128 + table_size + len(body)
    header = bytearray(128)
    header[0:4] = struct.pack(">I", size)
    header[8:12] = bytes([2, 0x10, 0, 0])  # version 2.1
    header[12:16] = b"mntr"
    header[16:20] = b"RGB "
    header[20:24] = b"XYZ "
    header[36:40] = b"acsp"
    header[68:80] = b"".join(_s15f16(v) for v in D50_XYZ)  # PCS illuminant
    return bytes(header) + b"".join(table) + body


ADOBE_RGB_PRIMARIES = ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06))
P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
SRGB_PRIMARIES = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))
ADOBE_RGB_GAMMA = 563 / 256


def adobe_rgb_profile() -> bytes:
    return build_profile("Test Adobe RGB (1998)", ADOBE_RGB_PRIMARIES, ADOBE_RGB_GAMMA)


def expected_srgb_from_adobe(rgb: np.ndarray) -> np.ndarray:
    """Independent reference: Adobe RGB code values -> XYZ (D65) -> sRGB code values, clipped."""
    linear = (rgb / 255.0) ** ADOBE_RGB_GAMMA
    xyz = linear @ rgb_to_xyz_matrix(ADOBE_RGB_PRIMARIES).T
    srgb_linear = np.clip(xyz @ np.linalg.inv(rgb_to_xyz_matrix(SRGB_PRIMARIES)).T, 0, 1)
    encoded = np.where(srgb_linear <= 0.0031308, 12.92 * srgb_linear, 1.055 * srgb_linear ** (1 / 2.4) - 0.055)
    return encoded * 255.0
