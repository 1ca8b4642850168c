"""One picture end to end through predict and finalise, with real codecs and the pjnd judge."""

from __future__ import annotations

import subprocess
import sys
import threading

import cv2
import numpy as np
import pytest
from pictures import natural_picture, transparent_picture
from PIL import Image

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions
from vpjnd_cli.codecs.bpg.builtin import encode_bpg
from vpjnd_cli.codecs.bpg.codec import DEFAULT_EFFORT
from vpjnd_cli.codecs.webp import LOSSLESS
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import Metadata
from vpjnd_cli.judges.pjnd import PjndJudge
from vpjnd_cli.pipeline import (
    SearchSettings,
    bounded_ladder,
    finalise,
    ladder_index,
    predict,
    prepare_reference,
    side_by_side,
)
from vpjnd_cli.search import LOOK_BACK, level_budget
from vpjnd_cli.source import Source

RGB = natural_picture(96, 128, seed=4)
SOURCE = Source(RGB)


@pytest.mark.parametrize("method", ["spread", "block"])
@pytest.mark.parametrize("codec_name", ["jpeg", "webp"])
def test_prediction_is_the_most_distorted_passing_level(codec_name, method):
    codec = get_codec(codec_name)
    prediction, _ = predict(SOURCE, codec, PjndJudge(), SearchSettings(sur=0.75, method=method, block_size=8))
    assert prediction.passed
    chosen = prediction.chosen
    assert prediction.probabilities[chosen] >= 0.75
    assert all(p >= 0.75 for i, p in prediction.probabilities.items() if i <= chosen)
    after = [i for i in prediction.probabilities if i > chosen]
    assert not after or prediction.probabilities[min(after)] < 0.75  # the passing run ends at the answer
    assert prediction.evaluations <= (12 + LOOK_BACK if method == "spread" else level_budget(len(prediction.ladder), 8))
    assert prediction.encodes == prediction.evaluations
    assert set(prediction.sizes) == set(prediction.probabilities)


def test_finalise_makes_a_smaller_file_at_the_predicted_level():
    codec = get_codec("jpeg")
    settings = SearchSettings()
    prediction, candidates = predict(SOURCE, codec, PjndJudge(), settings)
    compressed = finalise(prediction, candidates, Metadata(), settings)
    assert compressed.index == prediction.chosen and not compressed.rejudged
    assert len(compressed.data) < candidates.size(0)  # the least distorted level's search encode
    assert codec.decode(compressed.data).shape == RGB.shape


def test_finalise_reuses_the_search_encode_of_the_chosen_level(monkeypatch):
    codec = get_codec("avif")  # its encodes are the costly ones
    calls = []
    encode = codec.encode
    monkeypatch.setattr(codec, "encode", lambda rgb, level: calls.append(level) or encode(rgb, level))
    settings = SearchSettings()
    prediction, candidates = predict(SOURCE, codec, PjndJudge(), settings)
    finalise(prediction, candidates, Metadata(), settings)
    assert len(calls) == prediction.encodes == prediction.evaluations == len(set(calls))


def test_bpg_writes_its_file_at_the_effort_and_judges_it_again():
    codec = get_codec("bpg", CodecOptions(bpg_backend="builtin"))
    settings = SearchSettings()
    prediction, candidates = predict(SOURCE, codec, PjndJudge(), settings)
    compressed = finalise(prediction, candidates, Metadata(), settings)
    level = prediction.ladder[compressed.index]
    assert compressed.data == encode_bpg(RGB, level.setting, level.chroma, DEFAULT_EFFORT)
    assert compressed.data != codec.encode(RGB, level)  # the candidates are ultrafast's
    assert compressed.rejudged and compressed.probability >= settings.sur
    assert compressed.index <= prediction.chosen


def test_a_stricter_target_chooses_a_less_distorted_level():
    codec = get_codec("jpeg")
    lenient, _ = predict(SOURCE, codec, PjndJudge(), SearchSettings(sur=0.5))
    strict, _ = predict(SOURCE, codec, PjndJudge(), SearchSettings(sur=0.95))
    assert strict.chosen <= lenient.chosen


def test_a_forced_level_is_judged_alone():
    codec = get_codec("jpeg")
    prediction, _ = predict(SOURCE, codec, PjndJudge(), SearchSettings(level=60))
    assert prediction.ladder[prediction.chosen].setting == 60 and prediction.evaluations == 1
    with pytest.raises(UsageError, match="no level 0"):
        ladder_index(codec.levels(), 0, "jpeg")


def test_444_rungs_are_searched_when_asked():
    codec = get_codec("jpeg", CodecOptions(chroma="both"))
    prediction, _ = predict(SOURCE, codec, PjndJudge(), SearchSettings())
    assert {level.chroma for level in prediction.ladder} == {"420", "444"}
    assert prediction.passed


@pytest.mark.parametrize("method", ["spread", "block"])
def test_both_samplings_are_searched_apart_and_the_smaller_answer_wins(method):
    settings = SearchSettings(method=method)
    both, _ = predict(SOURCE, get_codec("jpeg", CodecOptions(chroma="both")), PjndJudge(), settings)
    answers = []
    for chroma in ("444", "420"):
        alone, candidates = predict(SOURCE, get_codec("jpeg", CodecOptions(chroma=chroma)), PjndJudge(), settings)
        assert alone.chosen is not None
        answers.append((candidates.size(alone.chosen), alone.level))
        assert {both.ladder[i]: p for i, p in both.probabilities.items() if both.ladder[i].chroma == chroma} == \
            {alone.ladder[i]: p for i, p in alone.probabilities.items()}  # the same search, on its own rungs
    assert both.level == min(answers)[1]


def test_a_lost_alpha_plane_fails_even_where_the_colour_over_the_background_looks_the_same():
    # White colour over a white background: flattening hides any alpha error, the alpha check does not.
    rgba = transparent_picture(64, 80, seed=5)
    rgba[..., :3] = 255
    source = Source(rgba[..., :3], rgba[..., 3])
    reference = prepare_reference(source, PjndJudge(), "epc")
    opaque = rgba.copy()
    opaque[..., 3] = 255
    colour_only = PjndJudge().probabilities(reference.prepared, [source.seen(opaque)])
    assert colour_only[0] > 0.99
    kept, lost, dropped = reference.judge(PjndJudge(), [rgba, opaque, rgba[..., :3]])
    assert kept > 0.99 and lost < 0.5 and dropped == lost


def test_alpha_that_decodes_exactly_costs_no_judging():
    rgba = transparent_picture(32, 32, seed=6)
    calls = []

    class CountingJudge(PjndJudge):
        def prepare(self, reference, jnd_map):
            calls.append("prepare")
            return super().prepare(reference, jnd_map)

    judge = CountingJudge()
    reference = prepare_reference(Source(rgba[..., :3], rgba[..., 3]), judge, "epc")
    reference.judge(judge, [rgba])
    assert calls == ["prepare"]  # the colour's only: the exact alpha plane was not judged
    shifted = rgba.copy()
    shifted[..., 3] = np.clip(rgba[..., 3].astype(int) + 3, 0, 255)
    reference.judge(judge, [shifted])
    assert calls == ["prepare"] * 3  # the alpha plane's, once per polarity


@pytest.mark.parametrize("codec_name", ["webp", "avif"])
def test_a_transparent_picture_is_searched_with_its_alpha(codec_name):
    rgba = transparent_picture(64, 80, seed=7)
    source = Source(rgba[..., :3], rgba[..., 3])
    codec = get_codec(codec_name)
    prediction, candidates = predict(source, codec, PjndJudge(), SearchSettings())
    assert candidates.pixels.shape == rgba.shape
    compressed = finalise(prediction, candidates, Metadata(), SearchSettings())
    assert codec.decode(compressed.data).shape == rgba.shape


def test_the_finer_rungs_of_a_420_ladder_are_its_444_twins_or_lossless_webp():
    jpeg = get_codec("jpeg")
    finer = jpeg.finer_rungs(jpeg.levels())
    assert [level.setting for level in finer] == [level.setting for level in jpeg.levels()]
    assert {level.chroma for level in finer} == {"444"}
    assert get_codec("bpg", CodecOptions(bpg_backend="builtin")).finer_rungs(get_codec("bpg").levels())
    webp = get_codec("webp")
    assert webp.finer_rungs(webp.levels()) == [LOSSLESS]  # lossy WebP is 4:2:0 only
    assert webp.finer_rungs(bounded_ladder(webp, None, 90)) == []  # the user kept the search below 100
    assert get_codec("jxl").finer_rungs(get_codec("jxl").levels()) == []  # every level is 4:4:4
    both = get_codec("jpeg", CodecOptions(chroma="both"))
    assert both.finer_rungs(both.levels()) == []  # the 4:4:4 rungs are searched already


def test_when_no_420_level_passes_the_444_rungs_are_searched_and_written_least_distorted_first():
    """SUR 1 passes nothing, so the whole fallback runs: the 4:4:4 rungs come first in the ladder,
    and the file written when none passes is the least distorted of all (QF 100 at 4:4:4)."""
    codec, judge = get_codec("jpeg"), PjndJudge()
    settings = SearchSettings(sur=1.0, chroma_fallback=True)
    prediction, candidates = predict(SOURCE, codec, judge, settings)
    plain, _ = predict(SOURCE, codec, judge, SearchSettings(sur=1.0))
    assert not prediction.passed and len(prediction.ladder) == 2 * len(plain.ladder)
    assert prediction.ladder[0].label == "100/444" and prediction.ladder[100].label == "100"
    assert {prediction.ladder[i].label: p for i, p in prediction.probabilities.items() if i >= 100} == \
        {plain.ladder[i].label: p for i, p in plain.probabilities.items()}  # the 4:2:0 search, kept
    assert prediction.batches > plain.batches and prediction.encodes == prediction.evaluations
    compressed = finalise(prediction, candidates, Metadata(), settings)
    assert compressed.index == 0 and compressed.data == codec.encode_final(RGB, prediction.ladder[0], Metadata())
    lenient, _ = predict(SOURCE, codec, judge, SearchSettings(chroma_fallback=True))
    assert lenient.ladder == plain.ladder and lenient.chosen is not None  # a 4:2:0 level passed: no fallback


@pytest.fixture
def opencv_threads():
    """Set OpenCV's thread count (this process's share of the CPUs) for one test."""
    before = cv2.getNumThreads()
    yield cv2.setNumThreads
    cv2.setNumThreads(before)


def test_side_by_side_runs_the_items_at_once_and_keeps_their_order(opencv_threads):
    opencv_threads(2)
    both_running = threading.Barrier(2, timeout=10)  # one at a time: it breaks after 10 s

    def work(item: int) -> int:
        both_running.wait()
        return item * 10

    assert side_by_side(work, [1, 2]) == [10, 20]


def test_side_by_side_stays_in_this_thread_with_one_thread_to_use(opencv_threads):
    opencv_threads(1)
    assert side_by_side(lambda item: threading.current_thread(), [1, 2]) == [threading.current_thread()] * 2


def test_side_by_side_raises_an_items_error(opencv_threads):
    opencv_threads(2)

    def work(item: int) -> int:
        if item == 2:
            raise ValueError("item 2")
        return item

    with pytest.raises(ValueError, match="item 2"):
        side_by_side(work, [1, 2, 3])


@pytest.mark.parametrize("codec_name", ["bpg", "heic", "avif", "webp", "jpeg"])
def test_the_same_answer_and_bytes_on_one_thread_and_on_two(codec_name, opencv_threads):
    """Candidates encoded side by side (and BPG's encoder on the process's threads) change nothing."""
    runs = []
    for threads in (1, 2):
        opencv_threads(threads)
        codec = get_codec(codec_name, CodecOptions(bpg_backend="builtin"))
        settings = SearchSettings()
        prediction, candidates = predict(SOURCE, codec, PjndJudge(), settings)
        compressed = finalise(prediction, candidates, Metadata(), settings)
        runs.append((prediction.chosen, prediction.probabilities, candidates.encoded, compressed.data))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("extension", ["bpg", "heic"])
def test_a_fresh_process_writes_the_same_file_on_one_thread_and_on_two(extension, tmp_path):
    """In a new process the first batch's x265 encoders start up at the same time, on two threads."""
    picture = tmp_path / "in.png"
    Image.fromarray(RGB).save(picture)
    written = []
    for threads in (1, 2):
        output = tmp_path / f"{threads}.{extension}"
        child = (f"import cv2, sys; cv2.setNumThreads({threads}); from vpjnd_cli.cli import run; "
                 f"sys.exit(run(['compress', {str(picture)!r}, '-o', {str(output)!r}, '--judge', 'pjnd', '-q']))")
        done = subprocess.run([sys.executable, "-c", child], check=False, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        written.append(output.read_bytes())
    assert written[0] == written[1]
