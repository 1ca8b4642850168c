"""Chroma upsampling exactly as libbpg's reference decoder (bpgdec 0.9.8) does it.

Viewers show bpgdec's pixels, so the judge must see the same ones. bpgdec doubles subsampled
chroma with short Lanczos-derived filters whose coefficients sum to 64 (6 fraction bits):
- JPEG siting (chroma centred between two luma samples): output 2i sits a quarter sample before
  chroma sample i and takes weights 2, -6, 18, 57, -10, 4, -1 on samples i-3..i+3; output 2i+1,
  a quarter sample after, the same weights mirrored.
- MPEG-2 siting (chroma co-sited with even luma samples, horizontally only): output 2i is sample
  i itself; output 2i+1, halfway, takes -1, 4, -11, 40, 40, -11, 4, -1 on samples i-3..i+4.
Only the first ceil(W/2) (and, for 4:2:0, ceil(H/2)) chroma samples of the true picture size
count: beyond them the last one is repeated, never the coded padding.

4:2:0 runs vertically first, keeping the sum at 8 bits plus 6 fraction bits (shifting higher
bit depths down, rounded half up), then horizontally, rounding half up once to the file's bit
depth. 4:2:2 runs horizontally only, on the samples themselves. Results are clamped to the
bit depth's range.

Every sum is an integer below 2**24, so float32 filtering (OpenCV, fast) is exact.
"""

from __future__ import annotations

import numpy as np

_EARLY = np.array([2, -6, 18, 57, -10, 4, -1], np.float32)  # output 2i, JPEG siting
_LATE = _EARLY[::-1].copy()  # output 2i + 1, JPEG siting
_SELF = np.array([0, 0, 0, 64], np.float32)  # output 2i, MPEG-2 siting: sample i itself
_MIDWAY = np.array([-1, 4, -11, 40, 40, -11, 4, -1], np.float32)  # output 2i + 1, MPEG-2 siting
_TAP_BITS = 6  # the weights sum to 2**6
_ANCHOR = 3  # the filters start three samples before sample i


def upsample(plane: np.ndarray, height: int, width: int, bit_depth: int, vertical: bool, cosited: bool) -> np.ndarray:
    """One decoded chroma plane -> int32 samples at the luma size ``height`` x ``width``.

    ``vertical``: 4:2:0 (else 4:2:2, doubled horizontally only); ``cosited``: MPEG-2 siting.
    """
    rows = (height + 1) // 2 if vertical else height
    c = plane[:rows, : (width + 1) // 2].astype(np.float32)
    extra = 0  # fraction bits ``c`` carries beyond the bit depth
    if vertical:
        bits = bit_depth - 8  # keep 8 + 6 fraction bits whatever the depth
        c = _interleave_rows(_filter(c, _EARLY, 0, bits), _filter(c, _LATE, 0, bits))[:height]
        if bits:
            np.floor(c, out=c)
        extra = _TAP_BITS + 8 - bit_depth
    even, odd = (_SELF, _MIDWAY) if cosited else (_EARLY, _LATE)
    top = (1 << bit_depth) - 1
    out = np.empty((c.shape[0], 2 * c.shape[1]), np.int32)
    out[:, 0::2] = np.clip(_filter(c, even, 1, extra + _TAP_BITS), 0, top)
    out[:, 1::2] = np.clip(_filter(c, odd, 1, extra + _TAP_BITS), 0, top)
    return out[:, :width]  # the float to int32 assignment truncates: floor, the values being >= 0


def _filter(c: np.ndarray, taps: np.ndarray, axis: int, bits: int) -> np.ndarray:
    """sum_k taps[k] * c[i + k - 3] along ``axis`` (the edge samples repeated beyond the plane),
    divided by 2**bits, plus 1/2 when bits > 0: floored, that is the sum rounded half up. Scaling
    by a power of two keeps every sum exact."""
    import cv2  # heavy: imported only when a picture is decoded

    kernel = taps * np.float32(2.0**-bits)
    kernel, anchor = (kernel.reshape(-1, 1), (0, _ANCHOR)) if axis == 0 else (kernel.reshape(1, -1), (_ANCHOR, 0))
    delta = 0.5 if bits else 0.0
    return cv2.filter2D(c, cv2.CV_32F, kernel, anchor=anchor, delta=delta, borderType=cv2.BORDER_REPLICATE)


def _interleave_rows(even: np.ndarray, odd: np.ndarray) -> np.ndarray:
    out = np.empty((2 * even.shape[0], even.shape[1]), np.float32)
    out[0::2], out[1::2] = even, odd
    return out
