"""`vpjnd evaluate` scores a judge on MCL-JCI and KonJND-1k layouts (auto-detected)."""

from __future__ import annotations

import json

import pytest
from jnd_sets import make_konjnd, make_mcl_jci

from vpjnd_cli.cli import run


@pytest.mark.parametrize("make", [make_mcl_jci, make_konjnd], ids=["mcl-jci", "konjnd-1k"])
def test_evaluate_pjnd_on_human_sets(tmp_path, capsys, make):
    root = make(tmp_path / "set")
    assert run(["evaluate", str(root), "--judge", "pjnd", "--split", "all", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["layout"] == ("mcl-jci" if make is make_mcl_jci else "konjnd-1k")
    assert report["judge"] == "pjnd" and len(report["pictures"]) >= 4
    for picture in report["pictures"]:
        assert 1 <= picture["true_setting"] <= 100 and 1 <= picture["predicted_setting"] <= 100
        assert picture["saving"] is not None and picture["saving"] < 1
    mad = sum(abs(p["true_setting"] - p["predicted_setting"]) for p in report["pictures"]) / len(report["pictures"])
    assert report["mad"] == pytest.approx(mad)


def test_evaluate_prints_a_table(tmp_path, capsys):
    root = make_mcl_jci(tmp_path / "set")
    assert run(["evaluate", str(root), "--judge", "pjnd"]) == 0
    out = capsys.readouterr().out
    assert "pjnd on mcl-jci" in out and "MAD" in out and "SRC0" in out


def test_the_table_shows_whole_picture_names_in_a_narrow_terminal(tmp_path, capsys, monkeypatch):
    prefix = "usr_share_backgrounds_a_long_wallpaper_name_"
    root = make_konjnd(tmp_path / "set", count=2, stem_prefix=prefix)
    monkeypatch.setenv("COLUMNS", "72")
    assert run(["evaluate", str(root), "--judge", "pjnd", "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert "\u2026" not in out  # no name cut short with an ellipsis
    first_cells = "".join(line.split("\u2502")[1].strip() for line in out.splitlines() if line.startswith("\u2502"))
    assert f"{prefix}0" in first_cells and f"{prefix}1" in first_cells
    assert max(len(line) for line in out.splitlines()) <= 72


def test_evaluate_refuses_an_unknown_folder(tmp_path, capsys):
    assert run(["evaluate", str(tmp_path), "--judge", "pjnd"]) == 2
    assert "not a known layout" in capsys.readouterr().err


def test_evaluate_gives_bootstrap_intervals_around_its_measures(tmp_path, capsys):
    root = make_mcl_jci(tmp_path / "set")
    assert run(["evaluate", str(root), "--judge", "pjnd", "--split", "all", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for name in ("pair_accuracy", "mad", "mean_predicted_setting"):
        low, high = report["intervals"][name]
        assert low <= report[name] <= high
    assert run(["evaluate", str(root), "--judge", "pjnd", "--split", "all"]) == 0
    assert "95 % bootstrap intervals" in capsys.readouterr().out


def test_evaluate_runs_the_search_compress_runs_and_reports_its_cost(tmp_path, capsys):
    root = make_mcl_jci(tmp_path / "set")
    reports = {}
    for search in ("spread", "block"):
        assert run(["evaluate", str(root), "--judge", "pjnd", "--split", "all", "--json", "--search", search]) == 0
        reports[search] = json.loads(capsys.readouterr().out)
    for search, report in reports.items():
        assert report["search"] == search
        assert report["mean_evaluations"] == pytest.approx(
            sum(p["evaluations"] for p in report["pictures"]) / len(report["pictures"]))
    assert reports["spread"]["mean_evaluations"] <= 12 < reports["block"]["mean_evaluations"]
    assert reports["spread"]["mean_batches"] <= 3
