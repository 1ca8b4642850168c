"""The public API: jnd_map() on any picture size, grey or RGB, and the authors' sanity checks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from pictures import natural_picture, real_photo

from vpjnd_cli.imageio.colour import luma_bt601
from vpjnd_cli.jnd import MODELS, epc, jnd_map
from vpjnd_cli.jnd.chou_li import background, luminance_adaptation

# Lowest possible thresholds: 0.7 x 3 for EPC, 3 for NAMM (the minimum of the LA curve).
FLOOR = {"epc": 2.1, "namm": 3.0}


def test_models() -> None:
    assert MODELS == ("epc", "namm")
    with pytest.raises(ValueError, match="unknown JND model"):
        jnd_map(np.zeros((4, 4), np.uint8), "fep")


@pytest.mark.parametrize("shape", [(0, 5), (4, 4, 4), (4,)])
def test_bad_shapes_are_refused(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        jnd_map(np.zeros(shape, np.uint8))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (8, 8), (1, 4000), (4000, 1), (7, 3000), (2, 2, 3)])
def test_tiny_and_wide_pictures(model: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(sum(shape))
    jnd = jnd_map(rng.integers(0, 256, shape, dtype=np.uint8), model)
    assert jnd.shape == shape[:2] and jnd.dtype == np.float32
    assert np.isfinite(jnd).all() and jnd.min() >= FLOOR[model] - 1e-4 and jnd.max() < 200.0
    flat = np.full(shape, 77, np.uint8)
    np.testing.assert_allclose(jnd_map(flat, model), _la_only(flat, model), atol=1e-5)


@pytest.mark.parametrize("model", MODELS)
def test_deterministic(model: str) -> None:
    picture = natural_picture(seed=3)
    first = jnd_map(picture, model)
    assert np.array_equal(first, jnd_map(picture.copy(), model))


@pytest.mark.parametrize("model", MODELS)
def test_array_views_give_the_same_map_as_copies(model: str) -> None:
    picture = natural_picture(seed=5)
    for view in (picture[::-1, ::-1], picture.transpose(1, 0, 2), picture[:, ::2], picture[..., 0].T):
        assert np.array_equal(jnd_map(view, model), jnd_map(np.ascontiguousarray(view), model))


@pytest.mark.parametrize("model", MODELS)
def test_grey_and_rgb_of_the_same_luma_give_the_same_map(model: str) -> None:
    grey = luma_bt601(natural_picture(seed=4)).round().astype(np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    assert np.array_equal(jnd_map(grey, model), jnd_map(rgb, model))


def _psnr_of_jnd_noise(picture: np.ndarray, model: str) -> float:
    """The authors' check: I + 0.7 x random sign x JND should look like I."""
    luma = luma_bt601(picture).astype(np.float64)
    sign = np.random.default_rng(7).choice([-1.0, 1.0], luma.shape)
    noisy = np.clip(luma + 0.7 * sign * jnd_map(picture, model), 0, 255)
    return float(10 * np.log10(255.0**2 / np.mean((noisy - luma) ** 2)))


@pytest.mark.parametrize("model", MODELS)
def test_jnd_noise_psnr_is_in_the_expected_range(model: str) -> None:
    """Thresholds of 3..25 grey levels put 0.7 x JND noise at about 25..42 dB. Measured on this
    picture: EPC 34.2 dB, NAMM 38.1 dB. Below 30 dB the map would be far too permissive for a
    mostly smooth picture; above 42 dB (all pixels at the LA floor) masking would be missing."""
    assert 30.0 < _psnr_of_jnd_noise(natural_picture(), model) < 42.0


def smooth_and_textured(height: int = 96, width: int = 128) -> np.ndarray:
    """Left: a gentle gradient 110..146; right: blurred noise (std 20) around 128; same mean level."""
    rng = np.random.default_rng(0)
    x = np.broadcast_to(np.arange(width, dtype=np.float32), (height, width))
    noise = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 1.0)
    texture = 128 + noise / noise.std() * 20
    return np.clip(np.where(x < width // 2, 110 + x * (36 / width), texture), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("model", "ratio"), [("epc", 3.0), ("namm", 1.2)])
def test_texture_gets_larger_thresholds_than_smooth_areas(model: str, ratio: float) -> None:
    jnd = jnd_map(smooth_and_textured(), model)
    smooth, textured = jnd[4:-4, 4:60].mean(), jnd[4:-4, 68:-4].mean()
    assert textured > ratio * smooth  # measured: EPC 16.2 vs 2.47, NAMM 4.92 vs 3.64




def _la_only(picture: np.ndarray, model: str) -> np.ndarray:
    luma = luma_bt601(picture)
    return epc.luminance_adaptation_epc(luma) if model == "epc" else luminance_adaptation(background(luma))


@pytest.mark.parametrize("model", MODELS)
def test_real_photo(model: str) -> None:
    """Masking (the map above its luminance-adaptation part) is larger in busy areas than in calm
    ones; comparing the masking part keeps dark smooth areas (high LA) from confusing the check."""
    picture = real_photo()
    masking = (jnd_map(picture, model) - _la_only(picture, model))[4:-4, 4:-4]
    luma = luma_bt601(picture)
    activity = cv2.blur(cv2.absdiff(luma, cv2.blur(luma, (5, 5))), (5, 5))[4:-4, 4:-4]
    busy, calm = activity >= np.quantile(activity, 0.8), activity <= np.quantile(activity, 0.2)
    assert masking[busy].mean() > 2.0 * masking[calm].mean() + 0.1
    assert 25.0 < _psnr_of_jnd_noise(picture, model) < 45.0

