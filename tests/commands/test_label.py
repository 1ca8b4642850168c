"""`vpjnd label` through the CLI: corpus layout, calibration, score cache, too-small photos, exit 3."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from jnd_sets import make_photos
from pictures import natural_picture
from PIL import Image

from vpjnd_cli.cli import run

pytest.importorskip("ssimulacra2")
LABEL = ["--teacher", "ssimulacra2", "--size", "96x72", "--size", "48x48", "--every", "10", "--fine", "10",
         "--chroma", "420"]


def test_label_writes_a_calibrated_corpus_and_reuses_its_scores(tmp_path, capsys, monkeypatch):
    photos = make_photos(tmp_path / "photos")
    Image.fromarray(natural_picture(40, 40, seed=9)).save(photos / "tiny.png")
    corpus = tmp_path / "corpus"
    assert run(["label", str(photos), "-o", str(corpus), *LABEL]) == 0
    captured = capsys.readouterr()
    assert "tiny.png: 40x40 is smaller than every picture size; skipped" in captured.err
    assert "SUR 75%" in captured.out
    with (corpus / "manifest.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 * 2 * 11  # photos x sizes x labelled levels (QF 100, 90, .., 10 and the last, 1)
    assert {r["setting"] for r in rows} == {str(q) for q in [*range(100, 0, -10), 1]}
    for source in {r["source"] for r in rows}:  # the split is by source photo
        assert len({r["split"] for r in rows if r["source"] == source}) == 1
    assert {r["split"] for r in rows} == {"train", "val", "test"}
    best = [float(r["probability"]) for r in rows if r["setting"] == "100"]
    worst = [float(r["probability"]) for r in rows if r["setting"] == "10"]
    assert min(best) > max(worst)
    fit = json.loads((corpus / "calibration.json").read_text())
    assert fit["pictures"] == 6 and fit["psychometric"]["b"] > 0
    assert (corpus / "pictures" / "photo0-96x72.png").is_file()

    # a rerun computes nothing: a teacher that would fail is never called
    monkeypatch.setattr("vpjnd_cli.train.teachers.Ssimulacra2.distortion", lambda *a: pytest.fail("recomputed"))
    before = (corpus / "manifest.csv").read_bytes()
    assert run(["label", str(photos), "-o", str(corpus), *LABEL]) == 0
    assert (corpus / "manifest.csv").read_bytes() == before


def test_missing_teachers_exit_3_with_install_advice(tmp_path, capsys, monkeypatch):
    photos = make_photos(tmp_path / "photos", count=1)
    monkeypatch.setenv("PATH", str(tmp_path))  # no butteraugli_main
    assert run(["label", str(photos), "-o", str(tmp_path / "c"), "--teacher", "butteraugli"]) == 3
    assert "apt-get install libjxl-devtools" in capsys.readouterr().err
    monkeypatch.setitem(__import__("sys").modules, "ssimulacra2", None)
    assert run(["label", str(photos), "-o", str(tmp_path / "c"), "--teacher", "ssimulacra2"]) == 3
    assert "pip install ssimulacra2" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_bad_size_is_a_usage_error(tmp_path):
    photos = make_photos(tmp_path / "photos", count=1)
    assert run(["label", str(photos), "-o", str(tmp_path / "c"), "--teacher", "ssimulacra2", "--size", "big"]) == 2


def test_a_named_mcl_jci_summary_must_be_readable(tmp_path, capsys):
    photos = make_photos(tmp_path / "photos", count=1)
    missing = tmp_path / "summary.tsv"
    assert run(["label", str(photos), "-o", str(tmp_path / "c"), *LABEL, "--mcl-jci-summary", str(missing)]) == 2
    assert capsys.readouterr().err == (f"vpjnd: error: {missing}: cannot read the MCL-JCI summary "
                                       "(no such file or directory)\n")
    assert not (tmp_path / "c").exists()


def test_tiles_cut_the_first_size_for_training_photos_only(tmp_path):
    photos = make_photos(tmp_path / "photos")
    corpus = tmp_path / "corpus"
    sizes = ["--size", "96x72", "--size", "48x32"]
    assert run(["label", str(photos), "-o", str(corpus), "--teacher", "ssimulacra2", *sizes, "--every", "30",
                "--tiles"]) == 0
    with (corpus / "manifest.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    pictures = {(r["picture"], r["source"], r["split"]) for r in rows}
    tiles = {p for p in pictures if "-tile" in p[0]}
    train_sources = {source for _, source, split in pictures if split == "train"}
    assert {source for _, source, _ in tiles} == train_sources  # held-out photos have none
    assert {split for _, _, split in tiles} == {"train"}
    assert len(tiles) == 4 * len(train_sources)  # 96x72 holds 2 x 2 tiles of 48x32 (centred: 4 rows spare)
    assert len(pictures) - len(tiles) == 6 * 2
    source = sorted(train_sources)[0]
    whole = np.asarray(Image.open(corpus / "pictures" / f"{source}-96x72.png"))
    tile = np.asarray(Image.open(corpus / "pictures" / f"{source}-48x32-tile4.png"))
    assert np.array_equal(tile, whole[36:68, 48:96])  # second row, second column


def test_saturated_copies_are_training_data_that_leave_the_other_labels_alone(tmp_path):
    photos = make_photos(tmp_path / "photos")
    plain, boosted = tmp_path / "plain", tmp_path / "boosted"
    options = ["--teacher", "ssimulacra2", "--size", "96x72", "--every", "30"]
    assert run(["label", str(photos), "-o", str(plain), *options]) == 0
    assert run(["label", str(photos), "-o", str(boosted), *options, "--saturate", "1.8"]) == 0

    def rows_of(corpus):
        with (corpus / "manifest.csv").open() as handle:
            return list(csv.DictReader(handle))

    copies = [r for r in rows_of(boosted) if r["picture"].endswith("-sat1.8")]
    train_sources = {r["source"] for r in rows_of(plain) if r["split"] == "train"}
    assert {r["source"] for r in copies} == train_sources and {r["split"] for r in copies} == {"train"}
    assert [r for r in rows_of(boosted) if r not in copies] == rows_of(plain)  # calibrated on originals only
    assert (boosted / "calibration.json").read_bytes() == (plain / "calibration.json").read_bytes()


def test_a_held_out_set_reuses_a_corpus_calibration_and_one_split(tmp_path, capsys):
    options = ["--teacher", "ssimulacra2", "--size", "96x72", "--every", "30"]
    training = tmp_path / "training"
    assert run(["label", str(make_photos(tmp_path / "photos")), "-o", str(training), *options]) == 0
    fit = json.loads((training / "calibration.json").read_text())
    assert fit["teacher"] == "ssimulacra2"
    fit["psychometric"] = {"a": 30.0, "b": 4.0}  # far from what the new photos alone would fit
    (training / "calibration.json").write_text(json.dumps(fit))

    held_out = tmp_path / "held-out"
    new_photos = make_photos(tmp_path / "new", count=3)
    assert run(["label", str(new_photos), "-o", str(held_out), *options, "--split", "test",
                "--calibration", str(training / "calibration.json")]) == 0
    with (held_out / "manifest.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len({r["source"] for r in rows}) == 3 and {r["split"] for r in rows} == {"test"}
    for r in rows:
        assert float(r["probability"]) == pytest.approx(1 / (1 + np.exp((float(r["distortion"]) - 30.0) / 4.0)))
    assert json.loads((held_out / "calibration.json").read_text())["psychometric"] == {"a": 30.0, "b": 4.0}
    assert f"calibration of {training / 'calibration.json'}" in capsys.readouterr().out

    fit["teacher"] = "butteraugli"
    (training / "calibration.json").write_text(json.dumps(fit))
    assert run(["label", str(new_photos), "-o", str(tmp_path / "c"), *options,
                "--calibration", str(training / "calibration.json")]) == 2
    assert "calibrated for the teacher butteraugli, not ssimulacra2" in capsys.readouterr().err
    (training / "calibration.json").write_text("[1, 2]")
    assert run(["label", str(new_photos), "-o", str(tmp_path / "c"), *options,
                "--calibration", str(training / "calibration.json")]) == 2
    assert "not a calibration.json written by vpjnd label" in capsys.readouterr().err
    assert run(["label", str(new_photos), "-o", str(tmp_path / "c"), *options, "--split", "holdout"]) == 2


def test_the_strict_criterion_calibrates_to_ssimulacra2_and_labels_stricter(tmp_path, capsys):
    photos = make_photos(tmp_path / "photos", height=144, width=192)  # JPEG QF 100 scores about 94.5
    options = ["--teacher", "ssimulacra2", "--size", "192x144", "--every", "10", "--fine", "10", "--chroma", "420"]
    paper, strict = tmp_path / "paper", tmp_path / "strict"
    assert run(["label", str(photos), "-o", str(paper), *options]) == 0
    assert run(["label", str(photos), "-o", str(strict), *options, "--criterion", "strict"]) == 0
    assert "strict criterion" in capsys.readouterr().out
    fits = {name: json.loads((corpus / "calibration.json").read_text()) for name, corpus in
            (("paper", paper), ("strict", strict))}
    assert fits["paper"]["criterion"] == "paper" and fits["strict"]["criterion"] == "strict"
    for sur, aim in {"0.50": 85.0, "0.75": 90.0, "0.90": 93.0}.items():
        assert fits["strict"]["score_targets"][sur] == aim
        assert abs(fits["strict"]["mean_score"][sur] - aim) < 1.5  # a line through three bisected points
        assert fits["strict"]["mean_qf"][sur] > fits["paper"]["mean_qf"][sur]  # a higher quality is needed
    probability = {}
    for name, corpus in (("paper", paper), ("strict", strict)):
        with (corpus / "manifest.csv").open() as handle:
            probability[name] = {(r["picture"], r["setting"]): float(r["probability"]) for r in csv.DictReader(handle)}
    assert probability["strict"].keys() == probability["paper"].keys()
    assert all(probability["strict"][key] <= probability["paper"][key] + 1e-9 for key in probability["paper"])

    # a strict calibration is reused only by a run that asks for the strict criterion
    reuse = ["--calibration", str(strict / "calibration.json")]
    assert run(["label", str(photos), "-o", str(tmp_path / "again"), *options, *reuse]) == 2
    assert "a strict calibration; add --criterion strict to reuse it" in capsys.readouterr().err
    assert run(["label", str(photos), "-o", str(tmp_path / "again"), *options, *reuse, "--criterion", "strict"]) == 0


def test_a_strict_target_that_the_pictures_cannot_reach_is_a_usage_error(tmp_path, capsys):
    photos = make_photos(tmp_path / "photos")  # 96x72: JPEG 4:2:0 at QF 100 scores 85-88
    assert run(["label", str(photos), "-o", str(tmp_path / "c"), *LABEL, "--criterion", "strict"]) == 2
    assert "under the strict target 93" in capsys.readouterr().err
