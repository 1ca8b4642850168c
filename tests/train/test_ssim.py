"""The torch SSIM of the visual-importance weight."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pictures import natural_picture

from vpjnd_cli.train.ssim import luma, ssim


def grey(seed: int) -> torch.Tensor:
    return luma(torch.from_numpy(natural_picture(32, 32, seed=seed)).permute(2, 0, 1))[None]


def test_identical_is_one_and_noise_lowers_it():
    a = grey(0)
    noisy = (a + torch.from_numpy(np.random.default_rng(0).normal(0, 20, a.shape)).float()).clamp(0, 255)
    values = ssim(torch.cat([a, a]), torch.cat([a, noisy]))
    assert values[0] == pytest.approx(1.0, abs=1e-5)
    assert 0.0 < values[1] < 0.9


def test_symmetric_and_per_sample():
    a, b = grey(1), grey(2)
    assert ssim(a, b) == pytest.approx(ssim(b, a).item(), abs=1e-6)
    assert ssim(torch.cat([a, b]), torch.cat([b, b])).shape == (2,)
