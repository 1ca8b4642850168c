"""NetConfig.weight_activation: the patch vote's weights; "relu" is released, "softplus" keeps learning."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from netmodels import seeded_model

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.network import WEIGHT_FLOOR


def _weight_head_gradient(config: NetConfig, activation: str, bias: float) -> float:
    """Gradient norm reaching the weight head with its output bias set to ``bias``."""
    model = seeded_model(dataclasses.replace(config, weight_activation=activation))
    with torch.no_grad():
        model.weight_head.fc2.bias.fill_(bias)
    f_ref, f_dist, f_jnd = (torch.randn(2, 5, config.feature_dim) for _ in range(3))
    model.head(f_ref, f_dist, f_jnd).sum().backward()
    return sum(float(p.grad.abs().sum()) for p in model.weight_head.parameters())


def test_a_relu_vote_below_zero_is_dead_and_a_softplus_vote_still_learns(small_config):
    below = -3.0  # the head's output is negative on every patch, as training left the shipped model
    assert _weight_head_gradient(small_config, "relu", below) == 0.0
    # softplus' slope there is sigmoid(-3) = 0.047 (0.5 at zero): weakened, not gone
    assert (_weight_head_gradient(small_config, "softplus", below)
            > 0.01 * _weight_head_gradient(small_config, "softplus", 0.0))


def test_the_vote_weights_patches_by_the_activation(small_config):
    relu = seeded_model(small_config, seed=1)
    softplus = seeded_model(dataclasses.replace(small_config, weight_activation="softplus"))
    softplus.load_state_dict(relu.state_dict())
    f_ref, f_dist, f_jnd = (torch.randn(3, 4, small_config.feature_dim) for _ in range(3))
    with torch.no_grad():
        quality = relu.quality_head(torch.cat((f_dist, f_ref, f_dist - f_ref), dim=-1))
        raw = relu.weight_head(torch.cat((f_dist, f_jnd), dim=-1))
        for model, weight in ((relu, torch.relu(raw)), (softplus, torch.nn.functional.softplus(raw))):
            weight = weight + WEIGHT_FLOOR
            expected = (weight * quality).sum(-1) / weight.sum(-1)
            torch.testing.assert_close(model.head(f_ref, f_dist, f_jnd), expected)


def test_older_files_mean_relu_and_unknown_activations_are_refused(small_config):
    softplus = dataclasses.replace(small_config, weight_activation="softplus")
    assert NetConfig.from_dict(softplus.to_dict()) == softplus
    without = {k: v for k, v in small_config.to_dict().items() if k != "weight_activation"}
    assert NetConfig.from_dict(without) == small_config
    assert small_config.weight_activation == "relu"
    with pytest.raises(ValueError, match="weight_activation"):
        dataclasses.replace(small_config, weight_activation="sigmoid")
