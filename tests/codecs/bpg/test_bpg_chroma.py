"""bpgdec's chroma upsampling: its filter taps, rounding, edges and sitings, on hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.codecs.bpg.chroma import upsample

ROW = np.array([[128, 228, 128, 128]], np.uint8)  # an impulse of 100 on chroma sample 1
# 128 + floor((100 * tap * 64 + 2048) / 4096) for the tap each output gives sample 1
CENTRED = [112, 156, 217, 217, 156, 112, 119, 134]
COSITED = [128, 191, 228, 191, 128, 111, 128, 134]  # even outputs: the samples themselves


@pytest.mark.parametrize(("vertical", "cosited", "want"), [(True, False, CENTRED), (False, False, CENTRED),
                                                          (True, True, COSITED), (False, True, COSITED)])
def test_horizontal_taps(vertical: bool, cosited: bool, want: list[int]) -> None:
    height = 2 if vertical else 1
    out = upsample(ROW, height, 8, 8, vertical, cosited)
    assert out.dtype == np.int32 and out.tolist() == [want] * height


def test_vertical_taps_are_the_centred_ones_whatever_the_siting() -> None:
    column = ROW.T.copy()
    for cosited in (False, True):
        out = upsample(column, 8, 2, 8, vertical=True, cosited=cosited)
        assert out.tolist() == [[v, v] for v in CENTRED]


def test_clamped_to_the_bit_depth() -> None:
    step = np.array([[0, 0, 255, 255]], np.uint8)  # the filters overshoot on both sides of a step
    out = upsample(step, 1, 8, 8, vertical=False, cosited=False)  # sums 765, -1020, -1785, 3570, ... (+32) >> 6
    assert out.tolist() == [[12, 0, 0, 56, 199, 255, 255, 243]]
    ten = upsample(step.astype(np.uint16) * 4, 2, 8, 10, vertical=True, cosited=False)
    assert ten.tolist() == [[48, 0, 0, 223, 797, 1023, 1023, 972]] * 2  # clamped to 10 bits, not 8


def test_only_the_true_size_counts_beyond_it_the_edge_repeats() -> None:
    rng = np.random.default_rng(0)
    true = rng.integers(0, 256, (4, 4), dtype=np.uint8)  # ceil(7 / 2) x ceil(7 / 2) samples
    coded = np.zeros((8, 8), np.uint8)  # a coded picture padded to 16x16 luma, padding unlike the edge
    coded[:4, :4] = true
    edged = np.pad(true, ((0, 4), (0, 4)), mode="edge")
    got = upsample(coded, 7, 7, 8, vertical=True, cosited=False)
    assert got.shape == (7, 7) and np.array_equal(got, upsample(edged, 7, 7, 8, vertical=True, cosited=False))
    assert np.array_equal(got, upsample(true, 7, 7, 8, vertical=True, cosited=False))
