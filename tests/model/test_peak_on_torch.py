"""model/peak_on_torch.py: the luma peak of a block with torch (for a GPU) is LumaPeak's."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pictures import natural_picture

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.model.peak import LumaPeak
from vpjnd_cli.model.peak_on_torch import TorchLumaPeak

CPU = torch.device("cpu")


def _candidates(reference: np.ndarray) -> list[np.ndarray]:
    jpeg = get_codec("jpeg")
    levels = {level.setting: level for level in jpeg.levels()}
    blotch = reference.copy()
    blotch[10:18, 20:30] = 255 - blotch[10:18, 20:30]
    return [reference.copy(), blotch] + [jpeg.decode(jpeg.encode(reference, levels[q])) for q in (95, 60, 10)]


@pytest.mark.parametrize(
    "statistic",
    [LumaPeak(), LumaPeak(downscale=1), LumaPeak(sigma=5.0, quantile=0.5, downscale=3), LumaPeak(quantile=0.9999),
     LumaPeak(norm=3.0), LumaPeak(norm=3.0, masking=0.001)],
    ids=["shipped", "full-size", "median", "top-rank", "3-norm", "masked"],
)
@pytest.mark.parametrize("size", [(96, 128), (75, 101)], ids=["even", "odd"])
def test_the_torch_peaks_are_lumapeaks(statistic: LumaPeak, size: tuple[int, int]) -> None:
    reference = natural_picture(*size, seed=4)
    candidates = _candidates(reference)
    expected = statistic.measure(statistic.reference(reference), candidates)
    on_torch = TorchLumaPeak(statistic, CPU)
    got = on_torch.measure(on_torch.reference(reference), candidates)
    assert expected.shape == (len(candidates), statistic.columns)
    assert np.all(expected[0] == 0.0) and np.all(expected[4] > expected[2])  # the reference; QF 10 is worse than 95
    # rtol: float rounding; atol: torch's vectorised pow rounds a few values 1 ulp apart from its
    # scalar one, so the reference itself can score 1e-8, far below the peak's floor (peak.log_peak)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-7)
    np.testing.assert_array_equal(on_torch.peaks(on_torch.reference(reference), candidates), got[:, 0])
    assert on_torch.measure(on_torch.reference(reference), []).shape == (0, statistic.columns)


def test_pictures_too_small_for_the_blur_take_the_cpu_path() -> None:
    statistic = LumaPeak()
    reference = natural_picture(10, 40, seed=1)
    candidates = _candidates(reference)
    on_torch = TorchLumaPeak(statistic, CPU)
    np.testing.assert_allclose(on_torch.peaks(on_torch.reference(reference), candidates),
                               statistic.peaks(statistic.reference(reference), candidates), rtol=1e-5, atol=1e-7)
