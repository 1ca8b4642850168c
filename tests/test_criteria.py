"""The two criteria end to end: `--criterion strict` on compress, predict, judge and evaluate, with
the shipped strict network; what it refuses; the marker that makes a rerun redo a file."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from vpjnd_cli.cli import run
from vpjnd_cli.codecs import get_codec
from vpjnd_cli.jobs.marker import marker_settings
from vpjnd_cli.judges import get_judge
from vpjnd_cli.model import locate
from vpjnd_cli.model.weights import read_header
from vpjnd_cli.settings import Settings
from vpjnd_cli.train.synthetic import hard_picture, seed_of

STRICT = ("--criterion", "strict")


@pytest.fixture(autouse=True)
def no_override(monkeypatch):
    for variable in locate.ENV_VARS.values():
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def source(tmp_path):
    """A smooth generated picture (gradients and soft shapes) that both criteria pass at some level."""
    path = tmp_path / "in.png"
    Image.fromarray(hard_picture("gradient", 256, 192, seed_of("t-gradient"))).save(path)
    return path


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code = run([*args, "--json"])
    lines = capsys.readouterr().out.splitlines()
    return code, json.loads(lines[-1]) if lines else {}


def test_each_shipped_file_names_its_criterion():
    for criterion in ("paper", "strict"):
        path = locate.shipped_weights_path(criterion)
        assert locate.default_weights_path(criterion) == path and path.is_file()
        assert locate.trained_criterion(path) == criterion == read_header(path).training.get("criterion", "paper")
    assert set(locate.trained_codecs(locate.shipped_weights_path("strict")) or ()) == {
        "jpeg", "bpg", "heic", "avif", "webp"}


def test_strict_settings_take_its_network_and_both_samplings():
    strict, paper = Settings(criterion="strict"), Settings()
    # no file is fixed in the settings: each machine of a cluster finds its own installed one
    assert strict.weights is None and strict.judge_for(("jpeg",)) == "vpjndnet" and strict.sampling == "both"
    assert paper.weights is None and paper.sampling == "420" and paper.search.chroma_fallback
    assert not strict.search.chroma_fallback and not Settings(chroma="420").search.chroma_fallback
    assert Settings(criterion="strict", chroma="420").sampling == "420"  # the user's sampling stands
    assert strict.search.criterion == "strict" and paper.search.criterion == "paper"


def test_a_strict_file_is_never_smaller_than_the_paper_file(tmp_path, capsys, source):
    sizes, levels = {}, {}
    for criterion in ("paper", "strict"):
        output = tmp_path / f"{criterion}.jpg"
        code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--criterion", criterion,
                                "--device", "cpu")
        assert code == 0 and record["passed"] and record["criterion"] == criterion
        sizes[criterion], levels[criterion] = output.stat().st_size, record["written_level"]
        marks = marker_settings(output.read_bytes())
        assert marks["criterion"] == criterion and marks["sur"] == "0.75"
        assert marks["chroma"] == "auto"
    assert sizes["strict"] > sizes["paper"] and levels["strict"] > levels["paper"]
    code, predicted = run_json(capsys, "predict", str(source), *STRICT, "--device", "cpu")
    assert code == 0 and predicted["level"] == levels["strict"] and predicted["criterion"] == "strict"


def test_a_rerun_with_the_other_criterion_redoes_the_file(tmp_path, capsys, source):
    output = tmp_path / "out.jpg"
    args = ["compress", str(source), "-o", str(output), "--device", "cpu"]
    assert run([*args, *STRICT, "-q"]) == 0
    strict_bytes = output.read_bytes()
    code, record = run_json(capsys, *args, *STRICT)
    assert record["status"] == "skipped" and output.read_bytes() == strict_bytes
    code, record = run_json(capsys, *args)
    assert code == 0 and "criterion paper (was strict)" in record["note"]
    assert marker_settings(output.read_bytes())["criterion"] == "paper"


def test_judge_names_the_criterion_and_strict_is_harder_to_pass(tmp_path, capsys, source):
    candidate = tmp_path / "q60.jpg"
    Image.open(source).save(candidate, quality=60)
    _, paper = run_json(capsys, "judge", str(source), str(candidate), "--device", "cpu")
    _, strict = run_json(capsys, "judge", str(source), str(candidate), *STRICT, "--device", "cpu")
    assert (paper["criterion"], strict["criterion"]) == ("paper", "strict")
    assert strict["probability"] < 0.5 < paper["probability"]
    assert run(["judge", str(source), str(candidate), *STRICT, "--device", "cpu"]) == 0
    assert capsys.readouterr().out.endswith("(vpjndnet, strict criterion)\n")


@pytest.mark.parametrize(("output", "args", "message"), [
    ("out.jpg", ("--judge", "pjnd"), "the pjnd rule is fitted to the paper criterion"),
    ("out.jxl", (), "it has no judge for jxl yet"),
    ("out.jpg", ("--weights", str(locate.shipped_weights_path("paper"))), "for the paper criterion, not strict"),
])
def test_what_the_strict_criterion_cannot_judge_is_a_usage_error(tmp_path, capsys, source, output, args, message):
    assert run(["compress", str(source), "-o", str(tmp_path / output), *STRICT, *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("out.*"))


def test_a_strict_file_is_refused_for_the_paper_criterion_and_a_jxl_for_strict_judging(tmp_path, capsys, source):
    strict_weights = str(locate.shipped_weights_path("strict"))
    assert run(["predict", str(source), "--weights", strict_weights]) == 2
    assert "was trained for the strict criterion, not paper" in capsys.readouterr().err
    rgb = np.asarray(Image.open(source).convert("RGB"))
    jxl = tmp_path / "in.jxl"
    jxl.write_bytes(get_codec("jxl").encode(rgb, get_codec("jxl").levels()[10]))
    assert run(["judge", str(source), str(jxl), *STRICT]) == 2
    assert "no judge for jxl" in capsys.readouterr().err
    for name in ("heic", "bpg"):  # HEIC and BPG have their strict heads, with the full-size term
        codec = get_codec(name)
        candidate = tmp_path / f"in.{name}"
        candidate.write_bytes(codec.encode(rgb, codec.levels()[10]))
        code, strict = run_json(capsys, "judge", str(source), str(candidate), *STRICT, "--device", "cpu")
        _, paper = run_json(capsys, "judge", str(source), str(candidate), "--device", "cpu")
        assert code == 0 and strict["criterion"] == "strict" and strict["judge"] == "vpjndnet"
        assert strict["probability"] < paper["probability"]


def test_an_unknown_criterion_is_refused_and_the_strict_file_can_be_replaced(tmp_path, monkeypatch):
    from vpjnd_cli.errors import UsageError

    with pytest.raises(UsageError, match="criterion must be one of paper, strict, not 'lenient'"):
        Settings(criterion="lenient")
    mine = tmp_path / "mine.safetensors"
    mine.write_bytes(locate.shipped_weights_path("strict").read_bytes())
    monkeypatch.setenv(locate.ENV_VARS["strict"], str(mine))
    assert locate.require_weights(None, "strict") == mine and locate.require_weights(None) != mine
    assert get_judge("vpjndnet", device="cpu", criterion="strict").weights == mine.resolve()
