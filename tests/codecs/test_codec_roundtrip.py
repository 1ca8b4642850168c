"""Encode/decode round trips of the JPEG, WebP, AVIF and HEIC codecs in every chroma mode."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import natural_picture

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions

MODES = [
    ("jpeg", "420"), ("jpeg", "444"), ("webp", "420"),
    ("avif", "420"), ("avif", "444"), ("heic", "420"), ("heic", "444"), ("jxl", "444"),
]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    return natural_picture(64, 96)


@pytest.mark.parametrize(("name", "chroma"), MODES)
def test_round_trip_quality_falls_along_the_ladder(picture, name, chroma):
    codec = get_codec(name, CodecOptions(chroma=chroma))  # type: ignore[arg-type]
    levels = codec.levels()
    best, worst = (codec.decode(codec.encode(picture, levels[i])) for i in (0, -1))
    assert best.shape == worst.shape == picture.shape
    assert best.dtype == worst.dtype == np.uint8
    assert psnr(picture, best) > 45
    assert 15 < psnr(picture, worst) < psnr(picture, best) - 10


@pytest.mark.parametrize(("name", "chroma"), MODES)
def test_odd_sizes_survive(name, chroma):
    odd = natural_picture(21, 33, seed=3)
    codec = get_codec(name, CodecOptions(chroma=chroma))  # type: ignore[arg-type]
    decoded = codec.decode(codec.encode(odd, codec.levels()[10]))
    assert decoded.shape == odd.shape
    assert psnr(odd, decoded) > 30


@pytest.mark.parametrize(("name", "chroma"), MODES)
def test_final_file_decodes_to_the_judged_pixels(picture, name, chroma):
    codec = get_codec(name, CodecOptions(chroma=chroma))  # type: ignore[arg-type]
    level = codec.levels()[30]
    judged = codec.decode(codec.encode(picture, level))
    assert np.array_equal(codec.decode(codec.encode_final(picture, level)), judged)
