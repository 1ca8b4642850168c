"""Small, seeded VP-JNDnet configs and models for the model tests (fast on 2 CPU cores)."""

from __future__ import annotations

import numpy as np
import torch

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.inference import PatchJudge
from vpjnd_cli.model.network import VPJNDNet

SMALL = dict(channels=(8, 16, 16, 32), patch_size=32, patches_per_picture=4, hidden=16)


def seeded_model(config: NetConfig, seed: int = 0) -> VPJNDNet:
    torch.manual_seed(seed)
    return VPJNDNet(config).eval()


def picture_set(height: int = 70, width: int = 90, n: int = 3, seed: int = 0):
    """A random uint8 reference, a JND map in 3..25 grey levels and n ever noisier candidates."""
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    jnd = rng.uniform(3, 25, (height, width)).astype(np.float32)
    candidates = [
        np.clip(reference.astype(int) + rng.integers(-k, k + 1, reference.shape), 0, 255).astype(np.uint8)
        for k in range(2, 2 + 6 * n, 6)
    ]
    return reference, jnd, candidates


def answers(model: VPJNDNet, reference, jnd, candidates, **options) -> np.ndarray:
    """Probabilities from a fresh judge on the device the model's parameters are on."""
    judge = PatchJudge(model, next(model.parameters()).device, **options)
    return judge.probabilities(judge.prepare(reference, jnd), candidates)
