"""MATLAB-like Canny: relative thresholds, hysteresis, no border edges."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import natural_picture

from vpjnd_cli.imageio.colour import luma_bt601
from vpjnd_cli.jnd.canny import _DERIV, _GAUSS, canny_matlab


def _steps(left: float, middle: float, right: float, width: int = 60) -> np.ndarray:
    luma = np.full((40, width), left, np.float32)
    luma[:, width // 3 :] = middle
    luma[:, 2 * width // 3 :] = right
    return luma


def test_matlab_kernels() -> None:
    assert _GAUSS.size == 13 and _GAUSS.sum() == pytest.approx(1.0)  # ceil(4 sqrt 2) = 6 each side
    assert _DERIV.sum() == pytest.approx(0.0, abs=1e-7)
    assert _DERIV[_DERIV > 0].sum() == pytest.approx(1.0)


def test_step_edge_found_once_per_row() -> None:
    luma = np.full((30, 40), 50.0, np.float32)
    luma[:, 20:] = 150.0
    rows, cols = np.nonzero(canny_matlab(luma, 0.5))
    assert set(cols) <= {19, 20}
    np.testing.assert_array_equal(np.sort(rows), np.arange(1, 29))  # every row but the border rows


def test_thresholds_are_relative_to_the_strongest_edge() -> None:
    luma = _steps(0, 100, 140)  # a step of 100, then one of 40
    strong_only = np.unique(np.nonzero(canny_matlab(luma, 0.5))[1])
    both = np.unique(np.nonzero(canny_matlab(luma, 0.3))[1])
    assert len(strong_only) == 1 and strong_only[0] in (19, 20)
    assert len(both) == 2
    # the same picture at a quarter of the contrast gives the same edges
    np.testing.assert_array_equal(canny_matlab(luma * 0.25 + 7, 0.5), canny_matlab(luma, 0.5))


def test_hysteresis_keeps_weak_edges_only_when_connected_to_strong_ones() -> None:
    rows = np.arange(40, dtype=np.float32)[:, None]
    luma = np.zeros((40, 70), np.float32)
    luma[:, 20:] = 100.0 - 65.0 * rows / 39.0  # one edge fading from 100 to 35 (strong, then weak)
    luma[:, 45:] += 40.0  # a separate edge of contrast 40: 0.4 of the strongest, never strong
    edges = canny_matlab(luma, 0.5)  # low threshold 0.2
    assert set(np.nonzero(edges[:, 17:23])[0]) == set(range(1, 39))  # the whole fading edge
    assert not edges[:, 40:].any()  # the weak edge alone is dropped
    assert canny_matlab(luma, 0.35)[:, 40:].any()  # ... and found once it passes the high threshold


def test_scale_invariance_on_a_natural_picture() -> None:
    luma = luma_bt601(natural_picture())
    a = canny_matlab(luma, 0.3)
    b = canny_matlab(luma * 0.5, 0.3)
    assert a.any() and (a == b).mean() > 0.999


def test_lower_threshold_finds_a_superset() -> None:
    luma = luma_bt601(natural_picture(seed=2))
    high, low = canny_matlab(luma, 0.6), canny_matlab(luma, 0.2)
    assert high.any() and not (high & ~low).any() and low.sum() > high.sum()


@pytest.mark.parametrize("shape", [(1, 1), (2, 7), (1, 500), (500, 2)])
def test_pictures_without_interior_have_no_edges(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(0)
    assert not canny_matlab(rng.uniform(0, 255, shape).astype(np.float32), 0.5).any()


@pytest.mark.parametrize("shape", [(3, 3), (8, 8), (7, 3000)])
def test_flat_pictures_have_no_edges(shape: tuple[int, int]) -> None:
    assert not canny_matlab(np.full(shape, 9.0, np.float32), 0.5).any()


def test_threshold_out_of_range() -> None:
    with pytest.raises(ValueError):
        canny_matlab(np.zeros((5, 5), np.float32), 1.0)
