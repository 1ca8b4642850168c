"""What the codecs encode and what the judge compares, for transparent and profiled pictures."""

from __future__ import annotations

import numpy as np
from icc_profiles import adobe_rgb_profile
from pictures import natural_picture, transparent_picture
from PIL import Image

from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.colour import flatten_alpha
from vpjnd_cli.imageio.icc import RgbProfile
from vpjnd_cli.source import WHITE, Source, source_of

RGBA = transparent_picture(48, 64, seed=1)


def test_alpha_codecs_get_four_channels_and_the_others_the_flattened_colour():
    source = Source(RGBA[..., :3], RGBA[..., 3], background=(0, 0, 0))
    assert np.array_equal(source.encoded(keeps_alpha=True), RGBA)
    flat = flatten_alpha(RGBA[..., :3], RGBA[..., 3], (0, 0, 0))
    assert np.array_equal(source.encoded(keeps_alpha=False), flat)
    assert np.array_equal(source.reference, flat)  # both are judged against the same picture
    assert np.array_equal(source.seen(source.encoded(keeps_alpha=True)), source.seen(flat))


def test_a_profiled_source_is_seen_through_its_profile():
    profile = RgbProfile(adobe_rgb_profile())
    colour = natural_picture(32, 40, seed=2)
    source = Source(colour, profile=profile)
    assert np.array_equal(source.encoded(keeps_alpha=True), colour)  # written in its own profile
    assert np.array_equal(source.reference, profile.to_srgb(colour))
    assert not np.array_equal(source.reference, colour)


def test_the_background_is_flattened_in_the_profile_as_the_srgb_colour_asked_for():
    profile = RgbProfile(adobe_rgb_profile())
    clear = np.zeros((4, 4), np.uint8)
    source = Source(np.full((4, 4, 3), 90, np.uint8), clear, background=(200, 30, 60), profile=profile)
    assert np.abs(source.reference.astype(int) - (200, 30, 60)).max() <= 1


def test_a_kept_profile_is_judged_against_exactly_what_the_loader_shows(tmp_path):
    path = tmp_path / "adobe.png"
    Image.fromarray(natural_picture(32, 40, seed=3)).save(path, icc_profile=adobe_rgb_profile())
    picture = load_image(path)
    kept, converted = source_of(picture, WHITE, in_profile=True), source_of(picture, WHITE, in_profile=False)
    assert np.array_equal(kept.colour, picture.profile_rgb) and np.array_equal(converted.colour, picture.rgb)
    assert np.array_equal(kept.reference, converted.reference)
