"""Ladder order (least to most distorted) and option checks of the JPEG, WebP, AVIF and HEIC codecs."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions, Level
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


@pytest.mark.parametrize("chroma", ["444", "both"])
def test_webp_refuses_444_saying_why(chroma):
    with pytest.raises(UsageError, match="lossy WebP always stores chroma at 4:2:0"):
        get_codec("webp", CodecOptions(chroma=chroma))  # type: ignore[arg-type]


def test_webp_refuses_a_444_level_passed_directly():
    with pytest.raises(UsageError, match="no level 80/444"):
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
