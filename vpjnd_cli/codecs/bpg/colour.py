"""RGB <-> the planes a BPG file codes, in numpy.

Encoding (what our writer stores): BT.601 YCbCr, full range, 8 bits, BPG's default colour
space (color_space 0, limited_range 0). The matrix is applied in 16-bit fixed point with
each coefficient rounded so that the Y row sums to exactly 2**16 and the Cb and Cr rows to
exactly 0: grey pixels give Y = R and Cb = Cr = 128 exactly. Results are rounded half up once;
4:2:0 chroma is the mean of each 2x2 block (chroma sited at the block centre, BPG's JPEG
siting), rounded once from the fixed-point sums.

Decoding (any BPG file): the pixels libbpg's reference decoder, bpgdec, writes to an 8-bit
PNG, bit for bit: its chroma filters (chroma.py), then its fixed-point conversion to RGB.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vpjnd_cli.codecs.bpg import chroma
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
_OUT_SHIFT = 22  # fraction bits of the decoder's RGB weights (libbpg: 30 - output bit depth)
_OUT_MAX = 255


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
    """Decoded planes (coded size, any bit depth) -> uint8 HxWx3 RGB cropped to the true size,
    exactly as bpgdec shows them."""
    h, w = header.height, header.width
    fixed = _FixedPoint.of(header)
    y = planes[0][:h, :w]
    if header.pixel_format == PixelFormat.GRAY:
        return _stack([fixed.scale(y)] * 3)
    cb, cr = (_full_size_chroma(p, header) for p in planes[1:3])
    return _stack(fixed.to_rgb(y.astype(np.int32), cb, cr, header.color_space))


def alpha_to_uint8(plane: np.ndarray, header: BpgHeader) -> np.ndarray:
    """The decoded alpha plane (always full range) as uint8, cropped to the true size."""
    return _FixedPoint.of(replace(header, limited_range=False)).scale(plane[: header.height, : header.width])


def unpremultiply(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Straight colour from colour premultiplied by alpha, as bpgdec divides: by 255/alpha in
    16-bit fixed point, 255 wherever the colour reaches alpha (so transparent pixels are white)."""
    a = alpha.astype(np.int32)[..., None]
    inverse = ((255 << 16) + a // 2 + 128) // np.maximum(a, 1)
    c = rgb.astype(np.int32)
    divided = (c * inverse + (1 << 15)) >> 16  # wraps only where the next line puts 255
    return np.where(c >= a, 255, divided).astype(np.uint8)


def _stack(channels: list[np.ndarray]) -> np.ndarray:
    import cv2  # heavy: imported only when a picture is decoded

    return cv2.merge(channels)  # several times faster than np.stack here


def _full_size_chroma(plane: np.ndarray, header: BpgHeader) -> np.ndarray:
    h, w, fmt = header.height, header.width, header.pixel_format
    if fmt == PixelFormat.YUV444:
        return plane[:h, :w].astype(np.int32)
    vertical = fmt in (PixelFormat.YUV420, PixelFormat.YUV420_MPEG2)
    cosited = fmt in (PixelFormat.YUV420_MPEG2, PixelFormat.YUV422_MPEG2)
    return chroma.upsample(plane, h, w, header.bit_depth, vertical, cosited)


@dataclass(frozen=True)
class _FixedPoint:
    """libbpg's conversion of decoded samples to 8-bit RGB: integer weights with 22 fraction
    bits, rounded half up once and saturated. Arithmetic is 32-bit and wraps like libbpg's."""

    y_one: int  # weight of luma (and of G, B, R planes, and YCgCo sums)
    y_offset: int  # rounding, less the limited-range black level
    r_cr: int
    g_cb: int
    g_cr: int
    b_cb: int
    center: int  # chroma zero

    @classmethod
    def of(cls, header: BpgHeader) -> _FixedPoint:
        depth, limited = header.bit_depth, header.limited_range
        full = _OUT_MAX * (1 << _OUT_SHIFT) / ((1 << depth) - 1)
        y_scale = _OUT_MAX * (1 << _OUT_SHIFT) / (219 << (depth - 8)) if limited else full
        c_scale = _OUT_MAX * (1 << _OUT_SHIFT) / (224 << (depth - 8)) if limited else full
        y_one = round(y_scale)  # round half even, as C's lrint
        black = (16 << (depth - 8)) * y_one if limited else 0
        kr, kb = _KR_KB.get(header.color_space, (0.0, 0.0))
        weights = (2 * (1 - kr), 2 * kb * (1 - kb) / (1 - kb - kr), 2 * kr * (1 - kr) / (1 - kb - kr), 2 * (1 - kb))
        r_cr, g_cb, g_cr, b_cb = (round(k * c_scale) for k in weights)
        return cls(y_one, (1 << (_OUT_SHIFT - 1)) - black, r_cr, g_cb, g_cr, b_cb, 1 << (depth - 1))

    def scale(self, plane: np.ndarray) -> np.ndarray:
        """Luma-like samples (Y, G, B, R, alpha) -> uint8."""
        if self.y_one == 1 << _OUT_SHIFT and self.y_offset == 1 << (_OUT_SHIFT - 1):
            return plane.astype(np.uint8)  # 8-bit full range: the samples themselves
        return self._luma(plane.astype(np.int32))

    def to_rgb(self, y: np.ndarray, cb: np.ndarray, cr: np.ndarray, space: ColorSpace) -> list[np.ndarray]:
        """int32 full-size planes -> uint8 R, G, B. All three are overwritten: working in place
        spares fresh 1080p buffers, whose first touch costs more than the arithmetic."""
        if space == ColorSpace.RGB:
            return [self.scale(cr), self.scale(y), self.scale(cb)]
        cb -= self.center
        cr -= self.center
        if space == ColorSpace.YCGCO:
            t = y - cb
            return [self._luma(t + cr), self._luma(y + cb), self._luma(t - cr)]
        y *= self.y_one
        y += self.y_offset
        g = self.g_cb * cb
        g += self.g_cr * cr
        np.subtract(y, g, out=g)
        cr *= self.r_cr
        cr += y
        cb *= self.b_cb
        cb += y
        return [_to_uint8(cr), _to_uint8(g), _to_uint8(cb)]

    def _luma(self, samples: np.ndarray) -> np.ndarray:
        samples *= self.y_one
        samples += self.y_offset
        return _to_uint8(samples)


def _to_uint8(fixed: np.ndarray) -> np.ndarray:
    """Drop the fraction bits (an arithmetic shift: floor) and saturate, in place."""
    fixed >>= _OUT_SHIFT
    return np.clip(fixed, 0, _OUT_MAX, out=fixed).astype(np.uint8)
