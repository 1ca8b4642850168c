"""`vpjnd compress`, `predict` and `judge` end to end through the CLI, with real codecs."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
from icc_profiles import adobe_rgb_profile, expected_srgb_from_adobe
from pictures import natural_picture, real_photo, transparent_picture
from PIL import Image
from processes import CLI

from vpjnd_cli import __version__
from vpjnd_cli.cli import run
from vpjnd_cli.codecs import get_codec
from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.icc import profile_description
from vpjnd_cli.jobs.marker import marker_version

PJND = ("--judge", "pjnd")


def pictures_to_test() -> list:
    return [pytest.param(lambda: natural_picture(120, 160, seed=2), id="generated"),
            pytest.param(real_photo, id="lena")]


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code = run([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out.splitlines()[-1]) if out.strip() else {}


@pytest.mark.parametrize("make_picture", pictures_to_test())
@pytest.mark.parametrize(("codec", "suffix"), [("jpeg", ".jpg"), ("bpg", ".bpg")])
def test_compress_writes_the_predicted_level_deterministically(tmp_path, capsys, make_picture, codec, suffix):
    source = tmp_path / "in.png"
    Image.fromarray(make_picture()).save(source)
    extra = ["--bpg-backend", "builtin"] if codec == "bpg" else []
    code, predicted = run_json(capsys, "predict", str(source), "--codec", codec, "--judge", "pjnd", *extra)
    assert code == 0 and predicted["passed"]
    outputs = []
    for name in ("a", "b"):
        output = tmp_path / f"{name}{suffix}"
        code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--judge", "pjnd", *extra)
        assert code == 0, record
        assert record["written_level"] == predicted["level"] == record["level"]
        assert record["bytes_out"] == output.stat().st_size
        assert 0 < record["saving"] < 1
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]  # deterministic
    decoded = get_codec(codec).decode(outputs[0])
    assert decoded.shape == make_picture().shape
    least = get_codec(codec).encode(make_picture(), get_codec(codec).levels()[0])
    assert len(outputs[0]) < len(least)


def test_compress_with_a_fixed_level_and_human_output(tmp_path, capsys):
    source = tmp_path / "in.png"
    Image.fromarray(natural_picture(64, 64)).save(source)
    output = tmp_path / "out.jpg"
    assert run(["compress", str(source), "-o", str(output), "--level", "50", "--judge", "pjnd"]) == 0
    line = capsys.readouterr().out
    assert f"{source} -> {output}: jpeg QF 50 (P " in line and "1 evaluation in 1 batch" in line
    assert Image.open(output).format == "JPEG"


def test_the_search_keeps_to_min_and_max_level_and_a_rerun_with_other_bounds_redoes_the_file(tmp_path, capsys):
    source = tmp_path / "in.png"
    Image.fromarray(natural_picture(96, 128, seed=2)).save(source)
    code, free = run_json(capsys, "predict", str(source), *PJND)
    assert code == 0 and free["passed"] and 10 < free["level"] < 90
    code, above = run_json(capsys, "predict", str(source), *PJND, "--min-level", str(free["level"] + 5))
    assert above["level"] == free["level"] + 5  # the most distorted allowed level, which passes too
    assert all(int(level.split("/")[0]) >= free["level"] + 5 for level in above["probabilities"])
    code, below = run_json(capsys, "predict", str(source), *PJND, "--max-level", str(free["level"] - 5))
    assert below["level"] is None and not below["passed"]  # even the least distorted allowed level fails
    assert str(free["level"] - 5) in below["probabilities"]
    # no 4:2:0 level passed, so the 4:4:4 rungs were searched too, within the same bounds
    assert any(level.endswith("/444") for level in below["probabilities"])
    assert all(int(level.split("/")[0]) <= free["level"] - 5 for level in below["probabilities"])
    output = tmp_path / "out.jpg"
    code, record = run_json(capsys, "compress", str(source), "-o", str(output), *PJND, "--min-level", "40",
                            "--max-level", "95")
    assert code == 0 and 40 <= record["written_level"] <= 95
    code, record = run_json(capsys, "compress", str(source), "-o", str(output), *PJND, "--min-level", "40",
                            "--max-level", "90")
    assert record["note"].endswith("redone: max level 90 (was 95)")


@pytest.mark.parametrize(("args", "message"), [
    (("--min-level", "101"), "jpeg has no level from 101 to -; its levels run from 1 to 100"),
    (("--min-level", "60", "--max-level", "50"), "min_level 60 is above max_level 50"),
    (("--level", "50", "--max-level", "60"), "cannot be used with min_level or max_level"),
    (("--codec", "auto", "--min-level", "40"), "they cannot be used with several codecs"),
])
def test_bounds_that_leave_no_level_are_a_usage_error(tmp_path, capsys, args, message):
    source = tmp_path / "in.png"
    Image.fromarray(natural_picture(32, 32)).save(source)
    assert run(["compress", str(source), "-o", str(tmp_path / "out.jpg"), *PJND, *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.jpg").exists()


def test_no_passing_level_keeps_the_least_distorted_one_or_the_original(tmp_path, capsys):
    source = tmp_path / "in.jpg"
    # A large input (QF 100, 4:4:4), so that the least distorted level is smaller than it and is written:
    # an output larger than its input never is (tests/commands/test_batch.py).
    Image.fromarray(natural_picture(64, 64)).save(source, quality=100, subsampling=0)
    output = tmp_path / "out.jpg"
    code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--sur", "1.0", "--judge", "pjnd")
    assert code == 0 and not record["passed"] and record["status"] == "no level passed"
    # the least distorted level of all: QF 100 at 4:4:4 (no 4:2:0 level passed, nor any 4:4:4 one)
    assert record["written_level"] == 100 and record["written_chroma"] == "444"
    code, record = run_json(
        capsys, "compress", str(source), "-o", str(tmp_path / "kept.jpg"), "--sur", "1.0", "--keep-original",
        "--judge", "pjnd",
    )
    assert record["status"] == "kept original"
    assert (tmp_path / "kept.jpg").read_bytes() == source.read_bytes()


def test_transparent_input_is_flattened_with_a_warning(tmp_path, capsys):
    rgba = np.dstack([natural_picture(40, 40), np.full((40, 40), 0, np.uint8)])
    source = tmp_path / "in.png"
    Image.fromarray(rgba).save(source)
    output = tmp_path / "out.jpg"
    assert run(["compress", str(source), "-o", str(output), "--judge", "pjnd", "--background", "000000"]) == 0
    assert "flattened onto #000000" in capsys.readouterr().err
    assert np.asarray(Image.open(output)).max() < 16  # all black


@pytest.mark.parametrize("suffix", [".webp", ".avif", ".heic", ".bpg"])
def test_transparency_is_kept_where_the_format_carries_it(tmp_path, capsys, suffix):
    rgba = transparent_picture(96, 128, seed=8)
    source = tmp_path / "in.png"
    Image.fromarray(rgba).save(source)
    output = tmp_path / f"out{suffix}"
    code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--judge", "pjnd",
                            "--bpg-backend", "builtin")
    assert code == 0 and record["status"] == "ok", record
    assert "flattened" not in capsys.readouterr().err
    written = load_image(output)
    assert written.alpha is not None
    if suffix == ".webp":
        assert np.array_equal(written.alpha, rgba[..., 3])  # lossless alpha
    opaque, clear = rgba[..., 3] == 255, rgba[..., 3] == 0
    assert (written.alpha[opaque] >= 224).mean() > 0.99 and (written.alpha[clear] <= 32).mean() > 0.99
    assert np.abs(written.rgb.astype(int) - rgba[..., :3])[opaque].mean() < 8


def test_auto_prefers_a_codec_that_keeps_transparency(tmp_path, capsys):
    source = tmp_path / "in.png"
    Image.fromarray(transparent_picture(96, 128, seed=9)).save(source)
    (tmp_path / "out").mkdir()
    code, record = run_json(capsys, "compress", str(source), "-o", str(tmp_path / "out"), "--codec", "auto",
                            "--codecs", "jpeg,webp", "--judge", "pjnd")
    assert code == 0 and record["codec"] == "webp"
    assert load_image(record["output"]).alpha is not None


def test_judge_compares_alpha_planes_too(tmp_path, capsys):
    rgba = transparent_picture(64, 80, seed=10)
    rgba[..., :3] = 255  # white on the white background: only the alpha check sees a change
    reference, same, opaque = tmp_path / "ref.png", tmp_path / "same.png", tmp_path / "opaque.png"
    Image.fromarray(rgba).save(reference)
    Image.fromarray(rgba).save(same)
    Image.fromarray(rgba[..., :3]).save(opaque)
    probabilities = []
    for candidate in (same, opaque):
        code, record = run_json(capsys, "judge", str(reference), str(candidate), "--judge", "pjnd")
        assert code == 0
        probabilities.append(record["probability"])
    assert probabilities[0] > 0.99 and probabilities[1] < 0.5


@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_icc_keep_writes_the_original_profile_and_its_pixels_and_srgb_converts(tmp_path, capsys, suffix):
    colours = natural_picture(96, 128, seed=11)
    source = tmp_path / "adobe.png"
    Image.fromarray(colours).save(source, icc_profile=adobe_rgb_profile())
    expected = expected_srgb_from_adobe(colours.astype(float))  # what a viewer sees
    written = {}
    for mode in ("keep", "srgb"):
        output = tmp_path / f"{mode}{suffix}"
        options = ["--icc", mode] if mode == "srgb" else []  # keep is the default
        options += ["--level", "60"]  # the profile is under test, not the search
        code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--judge", "pjnd", *options)
        assert code == 0 and record["status"] == "ok", record
        with Image.open(output) as image:
            written[mode] = (image.info.get("icc_profile"), np.asarray(image.convert("RGB")).astype(float))
        through_profile = load_image(output).rgb  # the loader applies the embedded profile
        assert np.abs(through_profile - expected).mean() < 4
    kept_icc, kept_pixels = written["keep"]
    assert kept_icc == adobe_rgb_profile()
    assert np.abs(kept_pixels - colours).mean() < np.abs(kept_pixels - expected).mean()  # Adobe RGB code values
    srgb_icc, srgb_pixels = written["srgb"]
    assert "sRGB" in profile_description(srgb_icc)
    assert np.abs(srgb_pixels - expected).mean() < np.abs(srgb_pixels - colours).mean()


def test_jpeg_xl_cannot_embed_a_profile_so_its_pixels_are_converted_to_srgb(tmp_path, capsys):
    colours = natural_picture(96, 128, seed=11)
    source = tmp_path / "adobe.png"
    Image.fromarray(colours).save(source, icc_profile=adobe_rgb_profile())
    expected = expected_srgb_from_adobe(colours.astype(float))
    output = tmp_path / "out.jxl"
    code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--judge", "pjnd", "--level", "100")
    assert code == 0 and record["status"] == "ok", record
    with Image.open(output) as image:  # as a viewer decodes it: sRGB
        shown = np.asarray(image.convert("RGB")).astype(float)
    assert np.abs(shown - expected).mean() < 2 < np.abs(shown - colours).mean()


def test_icc_keep_judges_the_candidates_in_srgb(tmp_path, capsys):
    # The judge sees the candidate through the profile: at a fixed level the probability is
    # that of the same candidate converted to sRGB, which `vpjnd judge` computes independently.
    source = tmp_path / "adobe.png"
    Image.fromarray(natural_picture(96, 128, seed=12)).save(source, icc_profile=adobe_rgb_profile())
    output = tmp_path / "out.webp"
    code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--judge", "pjnd", "--level", "40")
    assert code == 0
    code, judged = run_json(capsys, "judge", str(source), str(output), "--judge", "pjnd")
    assert judged["probability"] == pytest.approx(record["probability"], abs=1e-6)


def test_network_judge_without_weights_exits_3(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VPJND_WEIGHTS", raising=False)
    source = tmp_path / "in.png"
    Image.fromarray(natural_picture(32, 32)).save(source)
    code = run(["compress", str(source), "-o", str(tmp_path / "o.jpg"), "--judge", "vpjndnet", "--weights",
                str(tmp_path / "none.safetensors")])
    err = capsys.readouterr().err
    assert code == 3 and "weights" in err and not (tmp_path / "o.jpg").exists()


def test_bad_options_are_usage_errors(tmp_path, capsys):
    source = tmp_path / "in.png"
    Image.fromarray(natural_picture(32, 32)).save(source)
    assert run(["compress", str(source), "-o", str(tmp_path / "o.xyz")]) == 2
    assert "cannot tell the output format" in capsys.readouterr().err
    assert run(["compress", str(source), "-o", str(tmp_path / "o.jpg"), "--chroma", "422"]) == 2
    assert run(["compress", str(source), "-o", str(tmp_path / "o.jpg"), "--judge", "oracle"]) == 2
    assert run(["compress", str(source), "-o", str(tmp_path / "o.jpg"), "--level", "0"]) == 2
    assert not any(p.name.startswith("o.") for p in tmp_path.iterdir())


def test_judge_command(tmp_path, capsys):
    reference = tmp_path / "ref.png"
    rgb = natural_picture(64, 64)
    Image.fromarray(rgb).save(reference)
    same = tmp_path / "same.png"
    Image.fromarray(rgb).save(same)
    rough = tmp_path / "rough.jpg"
    Image.fromarray(rgb).save(rough, quality=5)
    assert run(["judge", str(reference), str(same), "--judge", "pjnd"]) == 0
    assert capsys.readouterr().out == "1.0000 (pjnd)\n"  # the probability, and the judge that gave it
    code, record = run_json(capsys, "judge", str(reference), str(rough), "--judge", "pjnd")
    assert code == 0 and record["probability"] < 0.5
    small = tmp_path / "small.png"
    Image.fromarray(rgb[:32]).save(small)
    assert run(["judge", str(reference), str(small), "--judge", "pjnd"]) == 2
    assert "differs from the reference" in capsys.readouterr().err


def test_predict_batch_reports_failures_with_exit_1(tmp_path, capsys):
    good = tmp_path / "good.png"
    Image.fromarray(natural_picture(48, 48)).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a picture")
    assert run(["predict", str(good), str(bad), "--judge", "pjnd"]) == 1
    captured = capsys.readouterr()
    assert f"{good}: jpeg QF " in captured.out and f"vpjnd: error: {bad}:" in captured.err


def test_an_explicitly_requested_missing_bpgenc_exits_3(tmp_path, capsys):
    source = tmp_path / "in.png"
    Image.fromarray(natural_picture(32, 32)).save(source)
    output = tmp_path / "o.bpg"
    code = run(["compress", str(source), "-o", str(output), "--judge", "pjnd", "--bpgenc", str(tmp_path / "bpgenc")])
    err = capsys.readouterr().err
    assert code == 3 and "bpg-backend builtin" in err and not output.exists()
    code = run(["compress", str(source), "-o", str(output), "--judge", "pjnd", "--bpg-backend", "external"])
    assert code == (0 if shutil.which("bpgenc") and shutil.which("bpgdec") else 3)


def test_judge_reads_bpg_candidates(tmp_path, capsys):
    source = tmp_path / "in.png"
    Image.fromarray(natural_picture(64, 64)).save(source)
    output = tmp_path / "o.bpg"
    code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--judge", "pjnd",
                            "--bpg-backend", "builtin")
    assert code == 0
    code, judged = run_json(capsys, "judge", str(source), str(output), "--judge", "pjnd")
    assert code == 0 and judged["probability"] == pytest.approx(record["written_probability"])


@pytest.mark.parametrize("extension", [".jpg", ".webp"])
def test_judge_uses_the_judge_compress_used_for_the_format_and_agrees_with_it(tmp_path, capsys, extension):
    source = tmp_path / "in.png"
    Image.fromarray(natural_picture(96, 128, seed=5)).save(source)
    output = tmp_path / f"out{extension}"
    code, compressed = run_json(capsys, "compress", str(source), "-o", str(output), "--device", "cpu")
    assert code == 0
    code, judged = run_json(capsys, "judge", str(source), str(output), "--device", "cpu")
    assert code == 0 and judged["judge"] == compressed["judge"]
    assert judged["probability"] == pytest.approx(compressed["written_probability"], abs=1e-6)


def save(path: Path, rgb: np.ndarray, **options) -> Path:
    Image.fromarray(rgb).save(path, **options)
    return path


def flat_png() -> bytes:
    """A flat picture of about 150 bytes, which no JPEG undercuts: the original is kept."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 200, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_file_name_is_refused_for_several_inputs_and_a_trailing_slash_is_a_folder(tmp_path, capsys):
    a, b = (save(tmp_path / f"{name}.png", natural_picture(48, 64, seed=seed)) for seed, name in enumerate("ab"))
    assert run(["compress", str(a), str(b), "-o", str(tmp_path / "two.jpg"), *PJND]) == 2
    assert "or end the name in / to create it" in capsys.readouterr().err
    assert not (tmp_path / "two.jpg").exists()
    assert run(["compress", str(a), "-o", f"{tmp_path}/new/", *PJND, "-q"]) == 0
    assert os.listdir(tmp_path / "new") == ["a.jpg"]
    assert run(["compress", str(a), str(b), "-o", f"{tmp_path}/two/", *PJND, "-q"]) == 0
    assert sorted(os.listdir(tmp_path / "two")) == ["a.jpg", "b.jpg"]


def test_the_file_written_is_the_one_named_or_the_difference_is_said(tmp_path, capsys):
    source = save(tmp_path / "in.png", natural_picture(64, 64))
    assert run(["compress", str(source), "-o", str(tmp_path / "mm.jpg"), "-c", "webp", *PJND]) == 2
    assert f"{tmp_path / 'mm.jpg'}: a .jpg name, but --codec webp writes webp" in capsys.readouterr().err
    assert not (tmp_path / "mm.jpg").exists()

    cases = {  # -o name: (options, file written, why)
        "auto.jpg": (["--codec", "auto", "--codecs", "webp"], "auto.webp", "--codec auto chose webp"),
        "kept.jpg": (["--keep-original", "--sur", "1.0"], "kept.png", "the original keeps its format"),
    }
    for name, (options, written, why) in cases.items():
        report = tmp_path / f"{name}.json"
        asked, output = tmp_path / name, tmp_path / written
        assert run(["compress", str(source), "-o", str(asked), *PJND, *options, "--report", str(report)]) == 0
        captured = capsys.readouterr()
        assert f"vpjnd: warning: {source}: the output is {output}, not {asked}: {why}" in captured.err
        assert captured.out.startswith(f"{source} -> {output} (not {asked}): ")
        row = json.loads(report.read_text())["files"][0]
        assert (row["output"], row["requested"]) == (str(output), str(asked))
        assert output.is_file() and not asked.exists()
    assert (tmp_path / "kept.png").read_bytes() == source.read_bytes()
    assert Image.open(tmp_path / "auto.webp").format == "WEBP"

    piped = subprocess.run([*CLI, "compress", "-", "-o", "-", *PJND], input=flat_png(), capture_output=True,
                           timeout=120, check=False)
    assert piped.returncode == 0 and piped.stdout == flat_png()
    assert b"<stdin>: standard output carries the original (PNG), not a jpeg file" in piped.stderr


def test_a_kept_original_says_why_once(tmp_path, capsys):
    source = tmp_path / "flat.png"
    source.write_bytes(flat_png())
    assert run(["compress", str(source), "-o", str(tmp_path / "o.jpg"), *PJND]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"{source} -> {tmp_path / 'o.png'} (not {tmp_path / 'o.jpg'}): "
                           "original kept (the jpeg file (")
    assert f"would not be smaller than the input ({len(flat_png())} bytes)), " in line
    assert "the original is kept" not in line


def test_standard_input_to_a_file(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(natural_picture(64, 64)).save(buffer, format="PNG")
    for data, name, written in ((buffer.getvalue(), "x.jpg", "x.jpg"), (flat_png(), "y.jpg", "y.png")):
        done = subprocess.run([*CLI, "compress", "-", "-o", str(tmp_path / name), *PJND], input=data,
                              capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in tmp_path.iterdir())[-1] == written
    assert (tmp_path / "x.jpg").read_bytes()[:2] == b"\xff\xd8" and (tmp_path / "y.png").read_bytes() == flat_png()
    done = subprocess.run([*CLI, "compress", "-", "-o", f"{tmp_path}/folder/", *PJND], input=flat_png(),
                          capture_output=True, text=False, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == (b"vpjnd: error: standard input has no file name to use in a folder: give -o FILE or "
                           b"-o - (standard output)\n")


def test_in_place_replaces_inputs_only_by_smaller_files(tmp_path, capsys):
    photo = save(tmp_path / "a.jpg", natural_picture(96, 128), quality=95)
    photo.chmod(0o640)
    other = save(tmp_path / "b.png", natural_picture(48, 64))
    original, other_bytes = photo.read_bytes(), other.read_bytes()
    assert run(["compress", str(photo), "-o", str(photo), *PJND]) == 2  # the hint names the option that does it
    assert f"{photo}: is both the input and its output; --in-place replaces inputs" in capsys.readouterr().err

    assert run(["compress", str(photo), str(other), "--in-place", "--backup", ".orig", *PJND, "-v"]) == 0
    out = capsys.readouterr().out
    assert f"\n{photo}: jpeg QF " in out and "% smaller than the input" in out  # the skipped file comes first
    assert f"{other}: skipped (--in-place keeps each file's format, and vpjnd does not write PNG files" in out
    assert len(photo.read_bytes()) < len(original) and marker_version(photo.read_bytes()) == __version__
    assert stat.S_IMODE(photo.stat().st_mode) == 0o640
    assert (tmp_path / "a.jpg.orig").read_bytes() == original and other.read_bytes() == other_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "a.jpg.orig", "b.png"]

    assert run(["compress", str(photo), "--in-place", *PJND]) == 0
    assert "written by vpjnd 0.1.0 already; --force compresses it again" in capsys.readouterr().out
    assert run(["compress", str(photo), "--in-place", "--backup", ".orig", "--force", *PJND]) == 2
    assert "backup file exists; remove it, or choose another --backup SUFFIX" in capsys.readouterr().err
    done = photo.read_bytes()
    assert run(["compress", str(photo), "--in-place", "--force", "--min-saving", "99", *PJND, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "kept original" and photo.read_bytes() == done
    assert run(["compress", str(photo), "--in-place", "--backup", ".jpg", *PJND]) == 2
