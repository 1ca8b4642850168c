"""RGB <-> BPG planes: BT.601 full range fixed point, chroma siting, other colour spaces."""

from __future__ import annotations

import numpy as np

from vpjnd_cli.codecs.bpg.colour import (
    pad_to_multiple,
    planes_to_rgb,
    rgb_to_ycbcr,
    unpremultiply,
)
from vpjnd_cli.codecs.bpg.container import BpgHeader, ColorSpace, PixelFormat


def random_rgb(h: int = 16, w: int = 20, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_grey_is_exact() -> None:
    v = np.arange(256, dtype=np.uint8).reshape(16, 16)
    y, cb, cr = rgb_to_ycbcr(np.stack([v, v, v], axis=-1), "444")
    assert np.array_equal(y, v) and (cb == 128).all() and (cr == 128).all()
    (y_only,) = rgb_to_ycbcr(np.stack([v, v, v], axis=-1), "gray")
    assert np.array_equal(y_only, v)


def test_known_values() -> None:
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], dtype=np.uint8)
    y, cb, cr = rgb_to_ycbcr(rgb, "444")
    assert y.tolist() == [[76, 150, 29, 255]]
    assert cb.tolist() == [[85, 44, 255, 128]]  # blue: 255.5 saturates
    assert cr.tolist() == [[255, 21, 107, 128]]


def test_matches_float_reference() -> None:
    rgb = random_rgb(32, 32).astype(np.float64)
    m = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
    ref = rgb @ m.T + [0, 128, 128]
    y, cb, cr = rgb_to_ycbcr(rgb.astype(np.uint8), "444")
    for got, want in zip((y, cb, cr), np.moveaxis(ref, -1, 0), strict=True):
        assert np.abs(got - np.clip(want, 0, 255)).max() <= 0.5 + 1e-3
    _, cb420, _ = rgb_to_ycbcr(rgb.astype(np.uint8), "420")
    mean = ref[..., 1].reshape(16, 2, 16, 2).mean(axis=(1, 3))
    assert np.abs(cb420 - np.clip(mean, 0, 255)).max() <= 0.5 + 1e-3


def test_round_trip_444_and_420() -> None:
    rgb = random_rgb()
    header = BpgHeader(width=20, height=16, pixel_format=PixelFormat.YUV444)
    assert np.abs(planes_to_rgb(rgb_to_ycbcr(rgb, "444"), header).astype(int) - rgb).max() <= 2
    flat = np.full((16, 20, 3), (200, 30, 90), np.uint8)  # 4:2:0 is exact on flat colour
    header = BpgHeader(width=19, height=15, pixel_format=PixelFormat.YUV420)
    assert np.abs(planes_to_rgb(rgb_to_ycbcr(flat, "420"), header).astype(int) - flat[:15, :19]).max() <= 1


def test_chroma_siting() -> None:
    y = np.full((2, 8), 128, np.uint8)
    cr = np.array([[128, 228, 128, 128]], np.uint8)
    cb = np.full((1, 4), 128, np.uint8)
    centred = planes_to_rgb([y, cb, cr], BpgHeader(width=8, height=2, pixel_format=PixelFormat.YUV420))
    cosited = planes_to_rgb([y, cb, cr], BpgHeader(width=8, height=2, pixel_format=PixelFormat.YUV420_MPEG2))
    g = centred[0, :, 1].astype(int) - 128  # G = Y - 0.714136 Cr, Cr upsampled by bpgdec's filter
    assert np.allclose(-g / 0.714136, np.array([112, 156, 217, 217, 156, 112, 119, 134]) - 128, atol=1)
    g = cosited[0, :, 1].astype(int) - 128  # co-sited: the sample itself, then the 8-tap midpoint
    assert np.allclose(-g / 0.714136, np.array([128, 191, 228, 191, 128, 111, 128, 134]) - 128, atol=1)


def test_other_colour_spaces_and_depths() -> None:
    rgb = random_rgb(8, 8)
    r, g, b = (rgb[..., i] for i in range(3))
    header = BpgHeader(width=8, height=8, pixel_format=PixelFormat.YUV444, color_space=ColorSpace.RGB)
    assert np.array_equal(planes_to_rgb([g, b, r], header), rgb)  # planes G, B, R
    even = rgb & 0xFC  # YCgCo with integer Y, Cg, Co
    r, g, b = (even[..., i].astype(int) for i in range(3))
    y, cg, co = (r + 2 * g + b) // 4, (-r + 2 * g - b) // 4 + 128, (r - b) // 2 + 128
    header = BpgHeader(width=8, height=8, pixel_format=PixelFormat.YUV444, color_space=ColorSpace.YCGCO)
    planes = [p.astype(np.uint8) for p in (y, cg, co)]
    assert np.abs(planes_to_rgb(planes, header).astype(int) - even).max() <= 1
    limited = BpgHeader(width=2, height=1, pixel_format=PixelFormat.YUV444, limited_range=True,
                        color_space=ColorSpace.YCBCR_BT709, bit_depth=10)
    y10 = np.array([[64, 940]], np.uint16)
    c10 = np.full((1, 2), 512, np.uint16)
    assert planes_to_rgb([y10, c10, c10], limited).tolist() == [[[0, 0, 0], [255, 255, 255]]]
    gray12 = BpgHeader(width=2, height=1, pixel_format=PixelFormat.GRAY, bit_depth=12)
    assert planes_to_rgb([np.array([[0, 4095]], np.uint16)], gray12).tolist() == [[[0, 0, 0], [255, 255, 255]]]


def test_pad_and_unpremultiply() -> None:
    rgb = random_rgb(5, 9)
    padded = pad_to_multiple(rgb, 8)
    assert padded.shape == (8, 16, 3)
    assert np.array_equal(padded[:5, :9], rgb) and (padded[7, 15] == rgb[4, 8]).all()
    assert pad_to_multiple(padded, 8) is padded
    alpha = np.array([[0, 128, 255]], np.uint8)
    pre = np.array([[[0, 0, 0], [64, 32, 128], [10, 20, 30]]], np.uint8)
    assert unpremultiply(pre, alpha).tolist() == [[[255, 255, 255], [128, 64, 255], [10, 20, 30]]]  # as bpgdec
