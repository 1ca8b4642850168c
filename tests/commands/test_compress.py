"""`vpjnd compress`, `predict` and `judge` end to end through the CLI, with real codecs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from icc_profiles import adobe_rgb_profile, expected_srgb_from_adobe
from pictures import natural_picture, real_photo, transparent_picture
from PIL import Image

from vpjnd_cli.cli import run
from vpjnd_cli.codecs import get_codec
from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.icc import profile_description


def pictures_to_test() -> list:
    return [pytest.param(lambda: natural_picture(120, 160, seed=2), id="generated"), pytest.param(real_photo, id="lena")]


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


def test_no_passing_level_keeps_the_least_distorted_one_or_the_original(tmp_path, capsys):
    source = tmp_path / "in.jpg"
    # A large input (QF 100, 4:4:4), so that the least distorted level is smaller than it and is written:
    # an output larger than its input never is (tests/commands/test_batch.py).
    Image.fromarray(natural_picture(64, 64)).save(source, quality=100, subsampling=0)
    output = tmp_path / "out.jpg"
    code, record = run_json(capsys, "compress", str(source), "-o", str(output), "--sur", "1.0", "--judge", "pjnd")
    assert code == 0 and not record["passed"] and record["status"] == "no level passed"
    assert record["written_level"] == "100"
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
