"""jnd/on_torch.py: the JND maps computed with torch (for a GPU) are the OpenCV path's maps.

Run here on torch's CPU device: the same code runs on a GPU, where only float rounding differs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pictures import natural_picture, real_photo

from vpjnd_cli.imageio.colour import luma_bt601
from vpjnd_cli.jnd import MODELS, jnd_map
from vpjnd_cli.jnd.canny import canny_matlab
from vpjnd_cli.jnd.on_torch import MIN_SIDE, _canny, jnd_map_on

CPU = torch.device("cpu")
TOLERANCE = 1e-4  # grey levels; 3e-5 was the largest difference measured on corpus photos
# Integer luma (grey pictures) makes exact ties: a 3-4-5 gradient sits on the smooth threshold (5)
# of the orientation count, and float rounding in either path decides it. A few pixels around
# each tie move; RGB luma, a weighted sum, has not shown one.
TIED_SHARE = {"grey": 0.01}


def _text_on_flat(height: int = 120, width: int = 200) -> np.ndarray:
    """Saturated strokes and a long thin spiral on a flat background: long Canny edges, flat areas."""
    import cv2

    picture = np.full((height, width, 3), 235, np.uint8)
    cv2.putText(picture, "vpjnd 42", (8, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (200, 20, 30), 3)
    angles = np.linspace(0, 6 * np.pi, 400)
    spiral = np.stack([150 + angles * 2.5 * np.cos(angles), 60 + angles * 2.5 * np.sin(angles)], axis=1)
    cv2.polylines(picture, [spiral.astype(np.int32)], False, (60, 60, 60), 1)
    return picture


PICTURES = {
    "generated": lambda: natural_picture(144, 200, seed=5),
    "grey": lambda: natural_picture(97, 131, seed=6)[..., 1],  # odd sizes, HxW
    "text": _text_on_flat,
    "flat": lambda: np.full((40, 50, 3), 90, np.uint8),
    "lena": real_photo,
}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("name", PICTURES)
def test_the_torch_map_is_the_opencv_map(model: str, name: str) -> None:
    picture = PICTURES[name]()
    expected = jnd_map(picture, model)
    got = jnd_map_on(picture, model, CPU)
    assert got.shape == expected.shape and got.dtype == np.float32
    apart = np.abs(got - expected) > TOLERANCE
    assert apart.mean() <= TIED_SHARE.get(name, 0.0), f"{apart.sum()} pixels differ by more than {TOLERANCE}"


@pytest.mark.parametrize("name", ["generated", "text", "lena"])
@pytest.mark.parametrize("high", [0.8, 0.5, 0.2])
def test_canny_finds_the_same_edges(name: str, high: float) -> None:
    luma = luma_bt601(PICTURES[name]())
    expected = canny_matlab(luma, high)
    got = _canny(torch.from_numpy(luma)[None, None], high).squeeze().numpy()
    assert expected.sum() > 20  # the picture has edges at this threshold
    np.testing.assert_array_equal(got, expected)


def test_small_pictures_and_unknown_models_take_the_opencv_path() -> None:
    small = natural_picture(MIN_SIDE - 1, 40, seed=1)
    np.testing.assert_array_equal(jnd_map_on(small, "epc", CPU), jnd_map(small, "epc"))
    with pytest.raises(ValueError, match="unknown JND model"):
        jnd_map_on(natural_picture(32, 32), "fep", CPU)
