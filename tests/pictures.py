"""Seeded test pictures and a helper to find ../shared, used across the test suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def natural_picture(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """An RGB uint8 picture with smooth gradients, a sharp edge and fine texture (seeded)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            120 + 80 * np.sin(x / max(width, 1) * 3.0 + seed),
            100 + 60 * np.cos(y / max(height, 1) * 2.5),
            90 + 50 * np.sin((x + y) / max(width + height, 1) * 4.0),
        ],
        axis=-1,
    )
    base[:, width // 2 :] += 40  # a vertical step edge
    texture = rng.normal(0, 12, size=(height, width, 1)) * (x[..., None] > width * 0.75)
    return np.clip(base + texture, 0, 255).astype(np.uint8)


LENA_BPG = SHARED / "data" / "bpg-samples" / "lena512color.bpg"


def real_photo() -> np.ndarray:
    """A real 512x512 photo: ../shared's lena512color.bpg (written by bpgenc), decoded by our reader.

    Skips the calling test when ../shared is absent (a user's clone); CI has it.
    """
    import pytest

    if not LENA_BPG.is_file():
        pytest.skip(f"{LENA_BPG} is absent (no ../shared)")
    from vpjnd_cli.codecs import get_codec

    return get_codec("bpg").decode(LENA_BPG.read_bytes())


def transparent_picture(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """An RGBA uint8 picture: natural_picture's colour under an alpha plane with a soft round
    edge, a hard-edged opaque block, a half-transparent block and fully transparent corners."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    radius = min(height, width) * 0.4
    alpha = np.clip((radius - np.hypot(x - width * 0.4, y - height * 0.5)) * 16, 0, 255)
    alpha[height // 8 : height // 3, int(width * 0.7) : int(width * 0.95)] = 255
    alpha[int(height * 0.6) : int(height * 0.85), int(width * 0.7) : int(width * 0.95)] = 128
    return np.dstack([natural_picture(height, width, seed), alpha.astype(np.uint8)])
