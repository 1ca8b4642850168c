"""Chou-Li pieces: luminance adaptation curve, background luminance, edge heights."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.jnd.chou_li import (
    background,
    edge_height,
    edge_height_symmetric,
    luminance_adaptation,
)


def test_luminance_adaptation_known_values() -> None:
    bg = np.array([0, 64, 127, 200, 255], dtype=np.float32)
    expected = [
        20.0,  # 17 * (1 - sqrt(0)) + 3
        7.931952,  # 17 * (1 - sqrt(64/127) = 1 - 0.709885) + 3 = 17 * 0.290115 + 3
        3.0,  # 17 * (1 - 1) + 3: the minimum of the curve
        4.7109375,  # 3/128 * (200 - 127) + 3 = 219/128 + 3
        6.0,  # 3/128 * 128 + 3
    ]
    np.testing.assert_allclose(luminance_adaptation(bg), expected, atol=2e-5)


def test_luminance_adaptation_is_continuous_at_127() -> None:
    below, above = luminance_adaptation(np.array([126.999, 127.001], np.float32))
    assert abs(below - above) < 1e-3


def test_background_of_flat_picture_is_its_value_away_from_the_border() -> None:
    bg = background(np.full((9, 11), 100.0, np.float32))
    np.testing.assert_array_equal(bg[2:-2, 2:-2], 100.0)
    assert bg[0, 0] < 100.0  # zero padding: the weights outside the picture see black


def test_edge_height_of_a_step_is_its_contrast() -> None:
    luma = np.full((12, 12), 80.0, np.float32)
    luma[:, 6:] = 160.0
    mg = edge_height(luma)
    assert mg[4:-4, 5:7].min() == pytest.approx(80.0)  # (1+3+8+3+1) * 80 / 16
    assert mg[4:-4, 2:4].max() == 0.0  # flat: over 2 px from the step and inside the border


def test_symmetric_edge_height_has_no_zero_padding_frame() -> None:
    flat = np.full((10, 14), 200.0, np.float32)
    assert edge_height(flat)[0].max() > 100.0  # the artefact the symmetric version removes
    np.testing.assert_array_equal(edge_height_symmetric(flat), 0.0)


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (4, 9), (5, 5), (1, 4000)])
def test_symmetric_edge_height_on_tiny_pictures(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(3)
    mg = edge_height_symmetric(rng.uniform(0, 255, shape).astype(np.float32))
    assert mg.shape == shape and np.isfinite(mg).all() and mg.min() >= 0.0
