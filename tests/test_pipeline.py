"""One picture end to end through predict and finalise, with real codecs and the pjnd judge."""

from __future__ import annotations

import pytest
from pictures import natural_picture

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import Metadata
from vpjnd_cli.judges.pjnd import PjndJudge
from vpjnd_cli.pipeline import SearchSettings, finalise, ladder_index, predict
from vpjnd_cli.search import level_budget

RGB = natural_picture(96, 128, seed=4)


@pytest.mark.parametrize("codec_name", ["jpeg", "webp"])
def test_prediction_is_the_most_distorted_passing_level(codec_name):
    codec = get_codec(codec_name)
    prediction, candidates = predict(RGB, codec, PjndJudge(), SearchSettings(sur=0.75, block_size=8))
    assert prediction.passed
    chosen = prediction.chosen
    assert prediction.probabilities[chosen] >= 0.75
    assert all(p < 0.75 for i, p in prediction.probabilities.items() if i > chosen and i < chosen + 8)
    assert prediction.evaluations <= level_budget(len(prediction.ladder), 8)
    assert prediction.encodes == prediction.evaluations
    assert set(prediction.sizes) == set(prediction.probabilities)


def test_finalise_makes_a_smaller_file_at_the_predicted_level():
    codec = get_codec("jpeg")
    settings = SearchSettings()
    prediction, candidates = predict(RGB, codec, PjndJudge(), settings)
    compressed = finalise(prediction, candidates, Metadata(), settings)
    assert compressed.index == prediction.chosen and not compressed.rejudged
    assert len(compressed.data) < candidates.size(0)  # the least distorted level's search encode
    assert codec.decode(compressed.data).shape == RGB.shape


def test_a_stricter_target_chooses_a_less_distorted_level():
    codec = get_codec("jpeg")
    lenient, _ = predict(RGB, codec, PjndJudge(), SearchSettings(sur=0.5))
    strict, _ = predict(RGB, codec, PjndJudge(), SearchSettings(sur=0.95))
    assert strict.chosen <= lenient.chosen


def test_a_forced_level_is_judged_alone():
    codec = get_codec("jpeg")
    prediction, _ = predict(RGB, codec, PjndJudge(), SearchSettings(level=60))
    assert prediction.ladder[prediction.chosen].setting == 60 and prediction.evaluations == 1
    with pytest.raises(UsageError, match="no level 0"):
        ladder_index(codec.levels(), 0, "jpeg")


def test_444_rungs_are_searched_when_asked():
    codec = get_codec("jpeg", CodecOptions(chroma="both"))
    prediction, _ = predict(RGB, codec, PjndJudge(), SearchSettings())
    assert {level.chroma for level in prediction.ladder} == {"420", "444"}
    assert prediction.passed
