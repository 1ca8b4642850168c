"""RGB <-> the planes a BPG file codes, in numpy.

Encoding (what our writer stores): BT.601 YCbCr, full range, 8 bits, BPG's default colour
space (color_space 0, limited_range 0). The matrix is applied in 16-bit fixed point with
each coefficient rounded so that the Y row sums to exactly 2**16 and the Cb and Cr rows to
exactly 0: grey pixels give Y = R and Cb = Cr = 128 exactly. Results are rounded half up once;
4:2:0 chroma is the mean of each 2x2 block (chroma sited at the block centre, BPG's JPEG
siting), rounded once from the fixed-point sums.

Decoding (any BPG file): float32, chroma upsampled linearly with the file's siting, then
rounded half up and clipped to 0..255.
"""

from __future__ import annotations

import numpy as np

from vpjnd_cli.codecs.bpg.container import BpgHeader, ColorSpace, PixelFormat

_SHIFT = 16
_RGB_TO_YCBCR = np.array(  # BT.601 coefficients * 2**16, rows Y, Cb, Cr
    [[19595, 38470, 7471], [-11058, -21710, 32768], [32768, -27439, -5329]], dtype=np.int32
)
_KR_KB = {
    ColorSpace.YCBCR: (0.299, 0.114),
    ColorSpace.YCBCR_BT709: (0.2126, 0.0722),
    ColorSpace.YCBCR_BT2020: (0.2627, 0.0593),
}
# (horizontal, vertical) chroma upsampling; "centred" or "cosited" siting, None = full resolution
_SITING: dict[PixelFormat, tuple[str | None, str | None]] = {
    PixelFormat.YUV420: ("centred", "centred"),
    PixelFormat.YUV422: ("centred", None),
    PixelFormat.YUV444: (None, None),
    PixelFormat.YUV420_MPEG2: ("cosited", "centred"),
    PixelFormat.YUV422_MPEG2: ("cosited", None),
}


def pad_to_multiple(rgb: np.ndarray, multiple: int = 8) -> np.ndarray:
    """Pad bottom and right by edge replication, as bpgenc does, to a multiple of ``multiple``."""
    h, w = rgb.shape[:2]
    pad = ((0, -h % multiple), (0, -w % multiple)) + ((0, 0),) * (rgb.ndim - 2)
    return np.pad(rgb, pad, mode="edge") if any(p[1] for p in pad) else rgb


def is_grey(rgb: np.ndarray) -> bool:
    """R == G == B everywhere: the picture loses nothing as a monochrome (gray) BPG."""
    return bool(np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2]))


def rgb_to_ycbcr(rgb: np.ndarray, chroma: str) -> list[np.ndarray]:
    """uint8 HxWx3 RGB -> uint8 planes [Y] ("gray"), or [Y, Cb, Cr] ("444"; "420" needs even H, W)."""
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    y_fixed, cb_fixed, cr_fixed = (c[0] * r + c[1] * g + c[2] * b for c in _RGB_TO_YCBCR)
    planes = [_round_shift(y_fixed, _SHIFT)]
    if chroma == "gray":
        return planes
    for fixed in (cb_fixed, cr_fixed):
        if chroma == "420":
            fixed = fixed[0::2, 0::2] + fixed[0::2, 1::2] + fixed[1::2, 0::2] + fixed[1::2, 1::2]
        planes.append(_round_shift(fixed, _SHIFT + (2 if chroma == "420" else 0), offset=128))
    return planes


def _round_shift(fixed: np.ndarray, shift: int, offset: int = 0) -> np.ndarray:
    """Round half up, add the offset, clip to uint8."""
    return np.clip(((fixed + (1 << (shift - 1))) >> shift) + offset, 0, 255).astype(np.uint8)


def planes_to_rgb(planes: list[np.ndarray], header: BpgHeader) -> np.ndarray:
    """Decoded planes (coded size, any bit depth) -> uint8 HxWx3 RGB cropped to the true size."""
    h, w = header.height, header.width
    y = _normalise(planes[0], header, centred=False)[:h, :w]
    if header.pixel_format == PixelFormat.GRAY:
        channels = [y, y, y]
    else:
        centred = header.color_space != ColorSpace.RGB
        sx, sy = _SITING[header.pixel_format]
        cb, cr = (_upsample(_upsample(_normalise(p, header, centred), 1, sx), 0, sy)[:h, :w] for p in planes[1:3])
        channels = _to_rgb(y, cb, cr, header.color_space)
    return np.stack([_to_uint8(c) for c in channels], axis=-1)  # per plane: faster than on HxWx3


def alpha_to_uint8(plane: np.ndarray, header: BpgHeader) -> np.ndarray:
    """The decoded alpha plane (always full range) as uint8, cropped to the true size."""
    scale = np.float32(255.0 / ((1 << header.bit_depth) - 1))
    return _to_uint8(plane[: header.height, : header.width].astype(np.float32) * scale)


def unpremultiply(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Straight colour from colour premultiplied by alpha (transparent pixels stay 0)."""
    a = alpha.astype(np.float32)[..., None]
    out = np.where(a > 0, rgb.astype(np.float32) * 255.0 / np.maximum(a, 1.0), 0.0)
    return _to_uint8(out)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    """Round half up and saturate (truncating a non-negative value + 0.5 rounds it)."""
    shifted = values + np.float32(0.5)
    np.clip(shifted, 0, 255, out=shifted)
    return shifted.astype(np.uint8)


def _normalise(plane: np.ndarray, header: BpgHeader, centred: bool) -> np.ndarray:
    """Code values -> float32 on the 0..255 scale (centred planes: -128..127 around 0)."""
    shift = header.bit_depth - 8
    if header.limited_range:
        zero, scale = ((128 if centred else 16) << shift), 255.0 / ((224 if centred else 219) << shift)
    else:
        zero, scale = ((1 << (header.bit_depth - 1)) if centred else 0), 255.0 / ((1 << header.bit_depth) - 1)
    return (plane.astype(np.float32) - zero) * np.float32(scale)


def _upsample(c: np.ndarray, axis: int, siting: str | None) -> np.ndarray:
    """Double ``c`` along ``axis`` by linear interpolation for the given chroma siting."""
    if siting is None:
        return c
    if siting == "centred":  # OpenCV's linear resize samples pixel centres: weights 3/4, 1/4
        import cv2  # heavy: imported only when a picture is decoded

        fx, fy = (2, 1) if axis == 1 else (1, 2)
        return cv2.resize(c, None, fx=fx, fy=fy, interpolation=cv2.INTER_LINEAR)
    c = np.moveaxis(c, axis, 0)
    nxt = np.concatenate([c[1:], c[-1:]])  # co-sited: samples sit on the even positions
    out = np.stack([c, 0.5 * (c + nxt)], axis=1).reshape(2 * c.shape[0], *c.shape[1:])
    return np.moveaxis(out, 0, axis)


def _to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray, space: ColorSpace) -> list[np.ndarray]:
    if space == ColorSpace.RGB:
        return [cr, y, cb]
    if space == ColorSpace.YCGCO:
        t = y - cb
        return [t + cr, y + cb, t - cr]
    kr, kb = _KR_KB[space]
    kg = 1.0 - kr - kb
    r = y + 2 * (1 - kr) * cr
    b = y + 2 * (1 - kb) * cb
    g = y - (2 * kb * (1 - kb) / kg) * cb - (2 * kr * (1 - kr) / kg) * cr
    return [r, g, b]
