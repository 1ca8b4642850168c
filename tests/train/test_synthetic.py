"""The generated hard pictures: every kind at the asked size, seeded, and of the character it claims."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import natural_picture

from vpjnd_cli.train.synthetic import KINDS, PHOTO_KINDS, hard_picture, seed_of

PHOTO = natural_picture(240, 400, seed=4)


def make(kind: str, name: str = "a", width: int = 160, height: int = 90) -> np.ndarray:
    return hard_picture(kind, width, height, seed_of(name), PHOTO if kind in PHOTO_KINDS else None)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_a_seeded_picture_of_the_asked_size(kind):
    picture = make(kind)
    assert picture.dtype == np.uint8 and picture.shape == (90, 160, 3)
    assert np.array_equal(picture, make(kind))
    assert not np.array_equal(picture, make(kind, "b"))


def test_pictures_have_the_character_of_their_kind():
    horizontal_change = {kind: np.abs(np.diff(make(kind, "c", 320, 180).astype(int), axis=1)).max(axis=2)
                         for kind in KINDS}
    assert np.mean(horizontal_change["product"] == 0) > 0.4  # a flat studio background
    assert np.mean(horizontal_change["gradient"] <= 2) > 0.95  # smooth everywhere
    assert np.mean(horizontal_change["graphics"] == 0) > 0.5 and horizontal_change["graphics"].max() > 100
    assert np.mean(horizontal_change["text"] == 0) > 0.5 and horizontal_change["text"].max() > 100
    assert make("dark", "c", 320, 180).mean() < 0.5 * PHOTO.mean()
    photo_crop = make("grain", "c", 320, 180).astype(float)
    assert np.abs(np.diff(photo_crop, axis=1)).mean() > np.abs(np.diff(PHOTO.astype(float), axis=1)).mean()


def test_photo_kinds_need_a_photo_and_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="from a photo"):
        hard_picture("product", 64, 48, seed_of("x"))
    with pytest.raises(ValueError, match="unknown kind"):
        hard_picture("fractal", 64, 48, seed_of("x"))
