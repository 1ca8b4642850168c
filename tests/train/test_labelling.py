"""The saturated copies that `vpjnd label --saturate` adds to the training data."""

from __future__ import annotations

import numpy as np
from pictures import natural_picture

from vpjnd_cli.imageio.colour import luma_bt601
from vpjnd_cli.train.labelling import saturated


def chroma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) - luma_bt601(rgb)[..., None]


def test_saturating_scales_chroma_and_keeps_luma_inside_the_rgb_cube():
    rgb = (natural_picture(64, 64, seed=3) * 0.5 + 64).astype(np.uint8)  # room to grow without clipping
    boosted = saturated(rgb, 1.8)
    assert np.abs(luma_bt601(boosted) - luma_bt601(rgb)).max() <= 1.0
    assert np.abs(chroma(boosted) - 1.8 * chroma(rgb)).max() <= 1.5
    assert np.array_equal(saturated(rgb, 1.0), rgb)
    grey = np.repeat(rgb[..., :1], 3, axis=2)
    assert np.array_equal(saturated(grey, 1.8), grey)  # no colour, nothing to scale


def test_saturating_clips_to_the_rgb_cube():
    red = np.full((4, 4, 3), (240, 30, 20), dtype=np.uint8)
    assert saturated(red, 3.0).dtype == np.uint8
    assert saturated(red, 3.0)[0, 0].tolist() == [255, 0, 0]
