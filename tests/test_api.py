"""The Python API (vpjnd_cli/api.py) used directly, as a program would: real pictures, real files,
the same answers as the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pictures import natural_picture
from PIL import Image

import vpjnd_cli
from vpjnd_cli import Result, Settings, Status, compress, compress_many, judge, predict, predict_many
from vpjnd_cli.cli import run
from vpjnd_cli.errors import ExitCode, InputError, UsageError, VpjndError
from vpjnd_cli.jobs.marker import marker_settings

PJND = Settings(judge="pjnd")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(natural_picture(96, 128, seed=4)).save(path)
    return path


def test_compress_writes_the_file_and_returns_its_result(tmp_path, photo, capsys):
    result = compress(photo, tmp_path / "photo.jpg", PJND)
    assert isinstance(result, Result) and result.status is Status.OK and result.written
    written = tmp_path / "photo.jpg"
    assert result.output == str(written) and result.bytes_out == written.stat().st_size
    assert result.codec == "jpeg" and result.judge == "pjnd" and result.level == result.written_level
    assert marker_settings(written.read_bytes())["sur"] == "0.75"
    # the command line gives the same file and the same numbers
    assert run(["compress", str(photo), "-o", str(tmp_path / "cli.jpg"), "--judge", "pjnd", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert (tmp_path / "cli.jpg").read_bytes() == written.read_bytes()
    mine = result.to_dict()
    for key in ("status", "level", "chroma", "probability", "bytes_in", "bytes_out", "saving", "level_saving",
                "probabilities"):
        assert line[key] == mine[key], key


def test_level_saving_costs_an_encode_only_when_asked_for(tmp_path, photo, monkeypatch):
    from vpjnd_cli.codecs.webp import WebpCodec

    encoded: list[int] = []
    encode = WebpCodec.encode
    monkeypatch.setattr(WebpCodec, "encode", lambda self, rgb, level: encoded.append(level.setting) or encode(
        self, rgb, level))
    asked = compress(photo, tmp_path / "asked.webp", PJND)
    asked_encodes, encoded[:] = list(encoded), []
    skipped = compress(photo, tmp_path / "skipped.webp", Settings(judge="pjnd", level_saving=False))
    assert 0 < asked.level_saving < 1 and skipped.level_saving is None
    assert 100 in asked_encodes and 100 not in encoded  # quality 100, the least distorted level
    assert len(encoded) == skipped.evaluations and len(asked_encodes) == asked.evaluations + 1
    assert (tmp_path / "asked.webp").read_bytes() == (tmp_path / "skipped.webp").read_bytes()


def test_the_format_follows_the_settings_or_the_output_name(tmp_path, photo):
    assert compress(photo, tmp_path / "a.webp", PJND).codec == "webp"
    avif = compress(photo, tmp_path / "b.out", Settings(judge="pjnd", codecs=("avif",)))
    assert avif.codec == "avif" and Image.open(tmp_path / "b.out").format == "AVIF"


def test_a_rerun_is_skipped_and_the_json_form_is_plain_data(tmp_path, photo):
    first = compress(photo, tmp_path / "photo.jpg", PJND)
    again = compress(photo, tmp_path / "photo.jpg", PJND)
    assert again.status is Status.SKIPPED and "with these settings" in again.note
    data = json.loads(first.to_json())
    assert data["status"] == "ok" and "warnings" not in data and set(data) == set(first.to_dict())
    assert data == first.to_dict()


def test_predict_and_judge_agree_with_compress(tmp_path, photo):
    predicted = predict(photo, PJND)
    assert predicted.status is Status.OK and predicted.output is None and not predicted.written
    made = compress(photo, tmp_path / "photo.jpg", PJND)
    assert predicted.level == made.level and predicted.probability == made.probability
    judged = judge(photo, tmp_path / "photo.jpg", PJND)
    assert judged.judge == "pjnd" and judged.probability == pytest.approx(made.written_probability)
    assert judged.to_dict() == {"reference": str(photo), "distorted": str(tmp_path / "photo.jpg"), "judge": "pjnd",
                                "criterion": "paper", "probability": judged.probability}


def test_errors_are_raised_with_their_exit_codes(tmp_path, photo):
    with pytest.raises(InputError, match=r"missing\.png") as missing:
        compress(tmp_path / "missing.png", tmp_path / "out.jpg", PJND)
    assert missing.value.exit_code == ExitCode.USAGE
    with pytest.raises(UsageError, match="a folder"):
        compress(tmp_path, tmp_path / "out.jpg", PJND)
    with pytest.raises(UsageError, match="sur must be in"):
        Settings(sur=1.5)
    with pytest.raises(UsageError, match="unknown codec 'gif'"):
        Settings(codecs=("gif",))
    with pytest.raises(VpjndError, match="has no level 101"):
        compress(photo, tmp_path / "out.jpg", Settings(judge="pjnd", level=101))


def test_many_pictures_give_one_result_each_a_bad_one_included(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for index, name in enumerate(("a.png", "sub/b.png")):
        Image.fromarray(natural_picture(64, 80, seed=index)).save(folder / name)
    (folder / "bad.png").write_bytes(b"not a picture")
    results = list(compress_many([folder], tmp_path / "out", PJND, recursive=True))
    assert [Path(r.path).name for r in results] == ["a.png", "bad.png", "b.png"]
    assert [r.status for r in results] == [Status.OK, Status.FAILED, Status.OK]
    assert results[1].error and (tmp_path / "out" / "sub" / "b.jpg").is_file()
    in_two = list(predict_many([folder / "a.png", folder / "sub" / "b.png"], PJND, jobs=2))
    assert sorted(r.level for r in in_two) == sorted(r.level for r in results if r.status is Status.OK)


def test_the_package_imports_cheaply_and_the_api_without_torch():
    heavy = "[m for m in ('torch', 'cv2', 'av', 'numpy', 'ray') if m in sys.modules]"
    code = f"import sys, vpjnd_cli; print({heavy}); from vpjnd_cli import compress, Settings; print({heavy})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "['numpy']"]  # OpenCV when a picture is read, torch when
    # the network judges on a GPU
    assert set(vpjnd_cli.__all__) >= {"compress", "predict", "judge", "Settings", "Result", "Status"}
    with pytest.raises(AttributeError):
        vpjnd_cli.nothing_here  # noqa: B018 - the attribute access is the test


def test_a_graphic_that_fails_every_420_level_is_written_at_a_444_level(tmp_path):
    """Saturated graphics fail at every 4:2:0 level (chroma subsampling alone moves their edges):
    the default chroma then searches the 4:4:4 rungs, for a file that passes and is smaller than
    the least distorted 4:2:0 one, which vpjnd used to keep."""
    from vpjnd_cli.codecs import get_codec
    from vpjnd_cli.codecs.base import Level
    from vpjnd_cli.train.synthetic import hard_picture, seed_of

    picture = hard_picture("graphics", 320, 240, seed_of("g-a"))
    path = tmp_path / "graphic.png"
    Image.fromarray(picture).save(path)
    only_420 = predict(path, Settings(chroma="420", device="cpu"))
    assert not only_420.passed
    made = compress(path, tmp_path / "graphic.jpg", Settings(device="cpu"))
    assert made.status is Status.OK and made.passed and made.written_chroma == "444"
    assert made.probability is not None and made.probability >= 0.75
    assert set(only_420.probabilities) < set(made.probabilities)  # the 4:2:0 answers are reported too
    assert made.bytes_out is not None
    assert made.bytes_out < len(get_codec("jpeg").encode(picture, Level(100, "420")))
    assert marker_settings((tmp_path / "graphic.jpg").read_bytes())["chroma"] == "auto"
    # --chroma both searches each sampling apart: the failing 4:2:0 rungs do not end the 4:4:4 search
    both = predict(path, Settings(chroma="both", device="cpu"))
    only_444 = predict(path, Settings(chroma="444", device="cpu"))
    assert (both.level, both.chroma) == (made.written_level, "444") == (only_444.level, "444")


def test_a_graphic_that_fails_every_lossy_webp_level_is_written_lossless(tmp_path):
    """Lossy WebP has only 4:2:0, so its fallback is the lossless rung: exactly the picture, and
    smaller than lossy quality 100 on such a graphic (vpjnd used to keep that lossy file)."""
    from vpjnd_cli.codecs import get_codec
    from vpjnd_cli.codecs.base import Level
    from vpjnd_cli.train.synthetic import hard_picture, seed_of

    picture = hard_picture("graphics", 320, 240, seed_of("g-a"))
    path = tmp_path / "graphic.png"
    Image.fromarray(picture).save(path)
    lossy = predict(path, Settings(codecs=("webp",), chroma="420", device="cpu"))
    assert not lossy.passed
    made = compress(path, tmp_path / "graphic.webp", Settings(device="cpu"))
    assert made.status is Status.OK and made.passed and (made.written_level, made.written_chroma) == (100, "444")
    with Image.open(tmp_path / "graphic.webp") as written:
        assert np.array_equal(np.asarray(written.convert("RGB")), picture)
    assert made.bytes_out is not None and made.bytes_out < len(get_codec("webp").encode(picture, Level(100)))
