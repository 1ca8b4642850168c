"""Wu 2017 EPC (official-code variant): each stage, then the whole model on edges and texture."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.jnd import epc, jnd_map
from vpjnd_cli.jnd.pattern import (
    SMOOTH_BIN,
    distinct_in_3x3,
    orientation_bins,
    orientation_complexity,
)

# 0.7 x LA(bg) with dark backgrounds remapped: bg = round(32 + bg0 * 95 / 127) for bg0 <= 127.
EPC_LA = {
    0: 8.0266207,  # bg 32: 0.7 * (17 * (1 - sqrt(32/127) = 0.501965) + 3) = 0.7 * 11.466601
    64: 4.5552581,  # bg round(79.874) = 80: 0.7 * (17 * (1 - 0.793676) + 3) = 0.7 * 6.507512
    127: 2.1,  # bg 127: 0.7 * 3
    200: 3.2976562,  # bg 200 (not remapped): 0.7 * (3/128 * 73 + 3) = 0.7 * 4.7109375
    255: 4.2,  # 0.7 * 6
}


@pytest.mark.parametrize("value", sorted(EPC_LA))
def test_flat_picture_gives_the_luminance_adaptation_only(value: int) -> None:
    """Interior (2 px from the border): bg = value exactly, Lc = 0, so JND = 0.7 LA(remapped bg).

    On the 2-pixel frame MATLAB's zero padding darkens bg, so LA differs there; the map must still
    be the LA map and nothing else (no masking term), which the second check covers everywhere.
    """
    flat = np.full((16, 20), value, np.uint8)
    jnd = jnd_map(flat, "epc")
    np.testing.assert_allclose(jnd[2:-2, 2:-2], EPC_LA[value], atol=1e-5)
    np.testing.assert_allclose(jnd, epc.luminance_adaptation_epc(flat.astype(np.float32)), atol=1e-5)


def test_luminance_contrast_is_the_local_standard_deviation() -> None:
    rng = np.random.default_rng(5)
    luma = rng.uniform(0, 255, (12, 13)).astype(np.float32)
    lc = epc.luminance_contrast(luma)
    assert lc[:2].max() == lc[-2:].max() == lc[:, :2].max() == lc[:, -2:].max() == 0.0
    for y, x in [(2, 2), (5, 7), (9, 10)]:
        assert lc[y, x] == pytest.approx(luma[y - 2 : y + 3, x - 2 : x + 3].std(), rel=1e-4)


@pytest.mark.parametrize(
    ("slope_x", "slope_y", "expected"),
    [
        (5, 0, 8),  # 0 degrees -> 90 -> 7.5 rounds half up to 8
        (-5, 0, 8),  # 180 degrees wraps to 0
        (0, 5, 15),  # 90 -> 180 -> 15
        (0, -5, 0),  # -90 -> 0 -> 0
        (5, 5, 11),  # 45 -> 135 -> 11.25
        (-5, 5, 4),  # 135 wraps to -45 -> 45 -> 3.75
        (1, 1, SMOOTH_BIN),  # gradient sqrt(8) < 5: smooth
    ],
)
def test_orientation_bins_of_ramps(slope_x: int, slope_y: int, expected: int) -> None:
    y, x = np.mgrid[0:9, 0:9].astype(np.float32)
    bins = orientation_bins(100 + slope_x * x + slope_y * y)
    assert (bins[1:-1, 1:-1] == expected).all()


def test_distinct_in_3x3_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    bins = rng.integers(0, 17, (11, 14)).astype(np.uint8)
    bins[3:6, 3:6] = 7  # a uniform patch: count 1 at its centre
    counts = distinct_in_3x3(bins)
    for y in range(bins.shape[0]):
        for x in range(bins.shape[1]):
            window = bins[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2]
            assert counts[y, x] == len(np.unique(window)), (y, x)
    assert counts[4, 4] == 1


def test_orientation_complexity_is_one_on_flat_and_higher_in_texture() -> None:
    flat = orientation_complexity(np.full((10, 10), 90.0, np.float32))
    np.testing.assert_allclose(flat[1:-1, 1:-1], 1.0, atol=1e-6)
    assert flat[0, 0] < 1.0  # zero-padded Gaussian on the border
    rng = np.random.default_rng(2)
    texture = orientation_complexity(rng.uniform(0, 255, (20, 20)).astype(np.float32))
    assert 4.0 < texture[2:-2, 2:-2].mean() <= 9.0


def _step_and_texture() -> np.ndarray:
    """A step edge 80 | 160 on the left, random 80/160 texture (same contrast) on the right."""
    rng = np.random.default_rng(0)
    picture = np.full((64, 160), 80, np.uint8)
    picture[:, 40:80] = 160
    picture[:, 96:] = rng.choice(np.array([80, 160], np.uint8), (64, 64))
    return picture


def test_edge_protection_is_zero_on_the_edge_and_one_away_from_it() -> None:
    protect = epc.edge_protection(_step_and_texture().astype(np.float32))
    assert protect[8:-8, 38:42].max() < 0.05
    np.testing.assert_allclose(protect[8:-8, 20], 1.0, atol=1e-6)  # 19 px from the edge


def test_edge_protection_lowers_the_threshold_on_a_step_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    picture = _step_and_texture()
    jnd = jnd_map(picture, "epc")
    on_edge, in_texture = jnd[8:-8, 38:42].mean(), jnd[8:-8, 104:-8].mean()
    assert on_edge < 0.5 * in_texture
    monkeypatch.setattr(epc, "edge_protection", lambda luma: np.ones(luma.shape, np.float32))
    unprotected = jnd_map(picture, "epc")
    assert unprotected[8:-8, 38:42].mean() > 1.5 * on_edge
    np.testing.assert_allclose(unprotected[8:-8, 10:30], jnd[8:-8, 10:30])  # no edge there: same
