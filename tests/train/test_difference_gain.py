"""NetConfig.difference_gain: the heads read F_R + g (F_D - F_R); g = 1 is the released network."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.network import VPJNDNet

SMALL = NetConfig(channels=(4, 8), attention=("channel", "nonlocal"), reduction=2, hidden=8, patch_size=16)


def test_gain_amplifies_the_distorted_features_departure():
    torch.manual_seed(0)
    plain = VPJNDNet(SMALL).eval()
    gained = VPJNDNet(dataclasses.replace(SMALL, difference_gain=50.0)).eval()
    gained.load_state_dict(plain.state_dict())
    f_ref, f_dist, f_jnd = (torch.randn(2, 3, SMALL.feature_dim) for _ in range(3))
    expected = plain.head(f_ref, f_ref + 50.0 * (f_dist - f_ref), f_jnd)
    assert torch.allclose(gained.head(f_ref, f_dist, f_jnd), expected, atol=1e-5)
    assert torch.equal(gained.head(f_ref, f_ref, f_jnd), plain.head(f_ref, f_ref, f_jnd))


def test_gain_round_trips_and_must_be_positive():
    config = dataclasses.replace(SMALL, difference_gain=100.0)
    assert NetConfig.from_dict(config.to_dict()) == config
    assert NetConfig.from_dict({k: v for k, v in SMALL.to_dict().items() if k != "difference_gain"}) == SMALL
    with pytest.raises(ValueError, match="difference_gain"):
        dataclasses.replace(SMALL, difference_gain=0.0)
