"""Fixtures of the model tests: the small configs and a seeded small model."""

from __future__ import annotations

import pytest
from netmodels import SMALL, seeded_model

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.network import VPJNDNet


@pytest.fixture
def small_config() -> NetConfig:
    return NetConfig(**SMALL)


@pytest.fixture
def small_released_config() -> NetConfig:
    return NetConfig.released(**SMALL)


@pytest.fixture
def small_model(small_config: NetConfig) -> VPJNDNet:
    return seeded_model(small_config)
