"""Yang 2005 NAMM: luminance adaptation, texture masking, edge weighting."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.jnd import jnd_map, namm
from vpjnd_cli.jnd.chou_li import background, luminance_adaptation

# LA(bg), by hand: 17 (1 - sqrt(bg/127)) + 3 below 127, 3/128 (bg - 127) + 3 above.
NAMM_LA = {0: 20.0, 64: 7.9319515, 127: 3.0, 200: 4.7109375, 255: 6.0}


@pytest.mark.parametrize("value", sorted(NAMM_LA))
def test_flat_picture_gives_the_luminance_adaptation_only(value: int) -> None:
    """No texture anywhere (edge heights use a symmetric border), so JND = LA(bg) on every pixel;
    bg itself is zero padded, so only the interior sits at LA(value)."""
    flat = np.full((12, 15), value, np.uint8)
    jnd = jnd_map(flat, "namm")
    np.testing.assert_allclose(jnd[2:-2, 2:-2], NAMM_LA[value], atol=1e-5)
    np.testing.assert_allclose(jnd, luminance_adaptation(background(flat.astype(np.float32))), atol=1e-5)


def _step() -> np.ndarray:
    picture = np.full((40, 60), 80, np.uint8)
    picture[:, 30:] = 160
    return picture


def test_edge_weight_is_low_on_edges_only() -> None:
    weight = namm.edge_weight(_step().astype(np.float32))
    assert weight[5:-5, 29:31].min() < 0.6  # 0.1 on the Canny edge, blurred by the 7x7 Gaussian
    np.testing.assert_allclose(weight[5:-5, 10], 1.0, atol=1e-6)


def test_edge_weight_lowers_the_threshold_on_a_step_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    protected = jnd_map(_step(), "namm")
    monkeypatch.setattr(namm, "edge_weight", lambda luma: np.ones(luma.shape, np.float32))
    unprotected = jnd_map(_step(), "namm")
    edge = np.s_[5:-5, 29:31]
    assert protected[edge].mean() < unprotected[edge].mean() - 2.0
    np.testing.assert_allclose(protected[5:-5, 5:20], unprotected[5:-5, 5:20])


def test_texture_masking_raises_the_threshold() -> None:
    rng = np.random.default_rng(4)
    picture = np.full((40, 80), 128, np.uint8)
    picture[:, 40:] = np.clip(128 + rng.normal(0, 10, (40, 40)), 0, 255).astype(np.uint8)
    jnd = jnd_map(picture, "namm")
    # Canny fires inside noise, so W damps texture masking: NAMM's rise is modest (3.0 -> 3.7 here).
    assert jnd[5:-5, 44:-5].mean() > jnd[5:-5, 5:30].mean() + 0.4
