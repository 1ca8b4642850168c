"""Ladder order (least to most distorted) and option checks of the JPEG, WebP, AVIF and HEIC codecs."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.codecs.webp import LOSSLESS
from vpjnd_cli.errors import UsageError

SETTINGS = {"jpeg": range(100, 0, -1), "webp": range(100, -1, -1), "avif": range(100, -1, -1), "heic": range(52)}
SETTING_NAMES = {"jpeg": "QF", "webp": "quality", "avif": "quality", "heic": "QP"}


@pytest.mark.parametrize("name", SETTINGS)
def test_setting_name_says_what_the_ladder_counts(name):
    assert get_codec(name).setting_name == SETTING_NAMES[name]


@pytest.mark.parametrize("name", SETTINGS)
def test_default_ladder_is_420_from_least_to_most_distorted(name):
    levels = get_codec(name).levels()
    assert [level.setting for level in levels] == list(SETTINGS[name])
    assert {level.chroma for level in levels} == {"420"}


@pytest.mark.parametrize("name", ["jpeg", "avif", "heic"])
def test_444_ladder(name):
    levels = get_codec(name, CodecOptions(chroma="444")).levels()
    assert levels == [Level(setting, "444") for setting in SETTINGS[name]]


@pytest.mark.parametrize("name", ["jpeg", "avif", "heic"])
def test_both_interleaves_444_before_420_at_each_setting(name):
    levels = get_codec(name, CodecOptions(chroma="both")).levels()
    expected = [Level(setting, chroma) for setting in SETTINGS[name] for chroma in ("444", "420")]
    assert levels == expected


def test_webp_has_one_444_rung_and_it_is_lossless():
    """Lossy WebP is 4:2:0 only; lossless WebP keeps full-resolution colour, so it is the one
    4:4:4 rung: chroma 444 is lossless alone, both puts it before the lossy rungs."""
    assert get_codec("webp", CodecOptions(chroma="444")).levels() == [LOSSLESS]
    assert get_codec("webp", CodecOptions(chroma="both")).levels() == [LOSSLESS, *get_codec("webp").levels()]
    rgba = np.random.default_rng(3).integers(0, 256, (24, 40, 4), dtype=np.uint8)
    codec = get_codec("webp")
    assert np.array_equal(codec.decode(codec.encode(rgba, LOSSLESS)), rgba)
    assert np.array_equal(codec.decode(codec.encode_final(rgba[..., :3], LOSSLESS)), rgba[..., :3])


def test_webp_refuses_a_lossy_444_level():
    with pytest.raises(UsageError, match="no level 80/444: its one 4:4:4 rung is lossless, 100/444"):
        get_codec("webp").encode(np.zeros((8, 8, 3), np.uint8), Level(80, "444"))


@pytest.mark.parametrize(
    ("name", "bad"), [("jpeg", Level(0)), ("jpeg", Level(101)), ("heic", Level(52)), ("avif", Level(-1))]
)
def test_levels_outside_the_ladder_are_refused(name, bad):
    with pytest.raises(UsageError, match="has no level"):
        get_codec(name).encode(np.zeros((8, 8, 3), np.uint8), bad)


@pytest.mark.parametrize(("name", "effort"), [("webp", 7), ("avif", 11), ("heic", 10), ("heic", -1)])
def test_effort_outside_the_codec_range_is_refused(name, effort):
    with pytest.raises(UsageError, match="effort must be"):
        get_codec(name, CodecOptions(effort=effort))


def test_unknown_chroma_is_refused():
    with pytest.raises(UsageError, match="choose 420, 444 or both"):
        get_codec("jpeg", CodecOptions(chroma="422"))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 3))])
def test_only_hxwx3_uint8_pictures_are_encoded(bad):
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        get_codec("jpeg").encode(bad, Level(90))


def test_threads_below_one_are_refused():
    with pytest.raises(UsageError, match="threads must be at least 1"):
        get_codec("avif", CodecOptions(threads=0))
