"""`vpjnd compress` and `predict` over folders: mirrored trees, failures, reports, re-runs, workers,
signals, metadata and the never-larger rule, end to end through the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from icc_profiles import adobe_rgb_profile
from pictures import natural_picture
from PIL import Image
from processes import CLI, permissions_apply

from vpjnd_cli import __version__
from vpjnd_cli.cli import run
from vpjnd_cli.imageio import load_image
from vpjnd_cli.jobs import pool
from vpjnd_cli.jobs.marker import NAMESPACE, marker_settings, marker_version
from vpjnd_cli.model.locate import shipped_weights_path

PJND = ("--judge", "pjnd")


def save(path: Path, rgb: np.ndarray, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path, **options)
    return path


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def make_tree(root: Path) -> Path:
    """Nested folders with good pictures, a corrupt one, an unreadable one, a name with spaces and
    non-ASCII letters, an output of an earlier run, a picture that cannot shrink, and a text file."""
    pictures = root / "in"
    save(pictures / "a.png", natural_picture(96, 128, seed=1))
    save(pictures / "sub" / "b c é.png", natural_picture(96, 128, seed=2))
    save(pictures / "sub" / "deep" / "d.jpg", natural_picture(96, 128, seed=3), quality=95)
    save(pictures / "flat.png", np.full((64, 64, 3), 200, np.uint8))  # 150 bytes: no JPEG is smaller
    buffer = io.BytesIO()
    Image.fromarray(natural_picture(64, 64)).save(buffer, format="PNG")
    (pictures / "sub" / "corrupt.png").write_bytes(buffer.getvalue()[:400])
    save(pictures / "secret.png", natural_picture(32, 32)).chmod(0)
    (pictures / "notes.txt").write_text("not a picture")
    assert run(["compress", str(pictures / "a.png"), "-o", str(pictures / "sub" / "done.jpg"), *PJND, "-q"]) == 0
    return pictures


def compress_tree(pictures: Path, out: Path, report: Path) -> subprocess.CompletedProcess:
    """A child process, so that the unreadable file is unreadable even to root."""
    return subprocess.run(
        [*CLI, "compress", str(pictures), "-r", "-o", f"{out}/", *PJND, "-j", "2", "--report", str(report)],
        capture_output=True, text=True, timeout=120, preexec_fn=permissions_apply(), check=False,
    )


def test_a_folder_tree_is_mirrored_bad_files_reported_and_a_second_run_skips_everything(tmp_path):
    pictures, out = make_tree(tmp_path), tmp_path / "out"
    first = compress_tree(pictures, out, tmp_path / "first.json")
    assert first.returncode == 1, first.stderr
    assert f"vpjnd: error: {pictures / 'sub' / 'corrupt.png'}: truncated or corrupt PNG" in first.stderr
    assert f"vpjnd: error: {pictures / 'secret.png'}: permission denied" in first.stderr
    assert files_under(out).keys() == {"a.jpg", "flat.png", "sub/b c é.jpg", "sub/deep/d.jpg"}
    assert (out / "flat.png").read_bytes() == (pictures / "flat.png").read_bytes()  # could not shrink: copied

    report = json.loads((tmp_path / "first.json").read_text())
    rows = {Path(row["path"]).relative_to(pictures).as_posix(): row for row in report["files"]}
    assert {name: row["status"] for name, row in rows.items()} == {
        "a.png": "ok", "flat.png": "kept original", "secret.png": "failed", "sub/b c é.png": "ok",
        "sub/corrupt.png": "failed", "sub/deep/d.jpg": "ok", "sub/done.jpg": "skipped"}
    assert "permission denied" in rows["secret.png"]["error"] and "written by vpjnd" in rows["sub/done.jpg"]["note"]
    assert report["summary"]["failed"] == 2 and report["summary"]["statuses"]["ok"] == 3
    written = [row for row in rows.values() if row["written"]]
    assert sorted(Path(row["output"]).relative_to(out).as_posix() for row in written) == sorted(files_under(out))
    for row in written:
        output = Path(row["output"])
        assert output.stat().st_size == row["bytes_out"] <= row["bytes_in"] == Path(row["path"]).stat().st_size
        assert load_image(output).width > 0  # every output decodes
    assert marker_version((out / "a.jpg").read_bytes()) == __version__
    assert marker_version((out / "flat.png").read_bytes()) is None  # the untouched original

    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    second = compress_tree(pictures, out, tmp_path / "second.csv")
    assert second.returncode == 1  # the bad files are still bad
    with (tmp_path / "second.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["status"] for row in rows if "corrupt" not in row["path"] and "secret" not in row["path"]} == {
        "skipped"}
    assert len(rows) == 7
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()} == before


def test_two_workers_write_the_same_bytes_as_one(tmp_path, capsys):
    pictures = tmp_path / "in"
    for seed in range(3):
        save(pictures / f"p{seed}.png", natural_picture(80, 112, seed=seed))
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        code = run(["compress", str(pictures), "-o", f"{out}/", *PJND, "-j", jobs, "--codec", "auto",
                    "--codecs", "jpeg,webp", "--json"])
        assert code == 0
        records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert len(records) == 3 and all(set(r["candidates"]) == {"jpeg", "webp"} for r in records)
        outputs.append(files_under(out))
    assert outputs[0] == outputs[1] and len(outputs[0]) == 3


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_batch_leaves_only_complete_files(tmp_path, signum, code):
    pictures, out = tmp_path / "in", tmp_path / "out"
    for seed in range(24):  # enough that a loaded machine cannot finish them all before the signal lands
        save(pictures / f"p{seed}.png", natural_picture(720, 960, seed=seed), compress_level=1)
    report = tmp_path / "report.ndjson"
    child = subprocess.Popen([*CLI, "compress", str(pictures), "-o", f"{out}/", "-j", "2", *PJND,
                              "--report", str(report)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out.is_dir() and any(p.suffix == ".jpg" for p in out.iterdir())):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.01)
    child.send_signal(signum)
    _, err = child.communicate(timeout=60)
    assert child.returncode == code, err
    assert "interrupted" in err
    left = sorted(os.listdir(out))
    assert 1 <= len(left) < 24 and all(name.endswith(".jpg") and not name.startswith(".") for name in left), left
    for name in left:
        assert load_image(out / name).width == 960
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert sorted(Path(row["output"]).name for row in rows) == left


def test_metadata_is_kept_stripped_or_chosen(tmp_path, capsys):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0112] = 6  # rotated: applied to the pixels, then reset to 1
    user_xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="x"/>'
                b"</rdf:RDF></x:xmpmeta>")
    source = save(tmp_path / "in.jpg", natural_picture(64, 96), quality=98, exif=exif, xmp=user_xmp,
                  icc_profile=adobe_rgb_profile())
    kept = {}
    for name, options in (("all", []), ("strip", ["--strip"]), ("exif", ["--keep", "exif"])):
        output = tmp_path / f"{name}.jpg"
        assert run(["compress", str(source), "-o", str(output), *PJND, "-q", *options]) == 0
        kept[name] = load_image(output).metadata
    assert load_image(tmp_path / "all.jpg").width == 64  # orientation applied
    written_exif = Image.Exif()
    written_exif.load(b"Exif\0\0" + kept["all"].exif)
    assert written_exif[0x010F] == "Camera maker" and written_exif.get(0x0112, 1) == 1
    assert kept["all"].icc is not None and b'dc:format="x"' in kept["all"].xmp
    assert kept["strip"].exif is None and kept["strip"].icc is None
    assert kept["exif"].exif is not None and kept["exif"].icc is None
    for metadata in kept.values():  # the marker stays, alone where XMP is not kept
        assert NAMESPACE.encode() in metadata.xmp
    assert b"dc:format" not in kept["strip"].xmp + kept["exif"].xmp
    assert run(["compress", str(source), "-o", str(tmp_path / "x.jpg"), "--strip", "--keep", "icc"]) == 2
    assert "contradict" in capsys.readouterr().err


def test_never_larger_min_saving_and_preserved_times(tmp_path, capsys):
    source = save(tmp_path / "in.png", natural_picture(64, 64))
    os.utime(source, (1_000_000_000, 1_000_000_000))
    code = run(["compress", str(source), "-o", str(tmp_path / "o.jpg"), *PJND, "--min-saving", "99",
                "--preserve-times", "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code == 0 and record["status"] == "kept original" and "99 % smaller" in record["note"]
    assert not (tmp_path / "o.jpg").exists() and record["output"] == str(tmp_path / "o.png")
    assert (tmp_path / "o.png").read_bytes() == source.read_bytes()
    assert (tmp_path / "o.png").stat().st_mtime == 1_000_000_000
    # A JPEG input whose least distorted level is larger than it: the original, never a larger file.
    small = save(tmp_path / "small.jpg", natural_picture(64, 64), quality=90)
    code = run(["compress", str(small), "-o", str(tmp_path / "s.jpg"), *PJND, "--sur", "1.0", "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code == 0 and record["status"] == "kept original" and not record["passed"]
    assert (tmp_path / "s.jpg").read_bytes() == small.read_bytes()


def test_name_templates_dry_runs_and_existing_outputs(tmp_path, capsys):
    pictures = tmp_path / "in"
    for name in ("x.png", "x.bmp", "y.png"):
        save(pictures / name, natural_picture(48, 64))
    args = ["compress", str(pictures), "--name-template", "{stem}.min{ext}", *PJND]
    assert run(args) == 2  # x.png and x.bmp would both write x.min.jpg: refused before any file is written
    captured = capsys.readouterr()
    assert "x.min.jpg: would be the output of both" in captured.err and captured.out == ""
    assert sorted(os.listdir(pictures)) == ["x.bmp", "x.png", "y.png"]
    assert run([*args, "--exclude", "*.bmp", "--dry-run"]) == 0
    assert capsys.readouterr().out.count("[dry run]") == 2
    assert sorted(os.listdir(pictures)) == ["x.bmp", "x.png", "y.png"]
    assert run([*args, "--exclude", "*.bmp"]) == 0
    assert sorted(os.listdir(pictures)) == ["x.bmp", "x.min.jpg", "x.png", "y.min.jpg", "y.png"]
    capsys.readouterr()
    assert run([*args, "--exclude", "*.bmp", "-v"]) == 0  # outputs (also found as inputs) are skipped
    assert capsys.readouterr().out.count("skipped") == 4
    foreign = tmp_path / "out"
    foreign.mkdir()
    (foreign / "y.jpg").write_bytes(b"someone else's file")
    mirror = ["compress", str(pictures), "-o", str(foreign), "--include", "?.png", *PJND]
    assert run(mirror) == 1 and "output file exists" in capsys.readouterr().err
    assert run([*mirror, "--skip-existing"]) == 0 and (foreign / "y.jpg").read_bytes() == b"someone else's file"
    assert run([*mirror, "--force"]) == 0 and marker_version((foreign / "y.jpg").read_bytes()) == __version__


def test_standard_input_to_standard_output(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(natural_picture(64, 64)).save(buffer, format="PNG")
    done = subprocess.run([*CLI, "compress", "-", "-o", "-", *PJND], input=buffer.getvalue(), capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout[:2] == b"\xff\xd8" and len(done.stdout) < len(buffer.getvalue())
    assert b"<stdin> -> -: jpeg QF" in done.stderr


def test_predict_over_a_folder_with_a_report(tmp_path, capsys):
    pictures = tmp_path / "in"
    save(pictures / "a.png", natural_picture(48, 64))
    save(pictures / "deeper" / "b.png", natural_picture(48, 64, seed=5))
    (pictures / "deeper" / "c.png").write_bytes(b"broken")
    report = tmp_path / "r.ndjson"
    assert run(["predict", str(pictures), "-r", *PJND, "--report", str(report)]) == 1
    captured = capsys.readouterr()
    assert captured.out.count(": jpeg QF ") == 2 and "c.png: not a valid PNG" in captured.err
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert [row["status"] for row in rows] == ["ok", "ok", "failed"] and rows[0]["level"] is not None


def test_a_rerun_skips_outputs_made_with_the_same_settings_and_redoes_the_others(tmp_path, capsys):
    pictures, out = tmp_path / "in", tmp_path / "out"
    for seed in range(2):
        save(pictures / f"p{seed}.png", natural_picture(96, 128, seed=seed))
    args = ["compress", str(pictures), "-o", f"{out}/", *PJND]
    assert run([*args, "-q"]) == 0
    first = files_under(out)
    assert run([*args, "-v"]) == 0
    assert capsys.readouterr().out.count("was written by vpjnd with these settings; --force redoes it") == 2
    assert files_under(out) == first
    report = tmp_path / "again.json"
    assert run([*args, "--sur", "0.9", "--report", str(report)]) == 0
    rows = json.loads(report.read_text())["files"]
    assert [row["status"] for row in rows] == ["ok", "ok"]
    assert all(row["note"] == f"{row['output']} redone: sur 0.9 (was 0.75)" for row in rows)
    assert all(marker_settings((out / name).read_bytes())["sur"] == "0.9" for name in first)
    assert files_under(out) != first
    capsys.readouterr()
    assert run([*args, "--sur", "0.9", "--chroma", "444", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["note"].split(": ")[1] for r in records] == ["chroma 444 (was auto)"] * 2
    assert run([*args, "--sur", "0.9", "--chroma", "444", "--search", "block", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["note"].split(": ")[1] for r in records] == ["search block (was spread)"] * 2
    assert all(marker_settings((out / name).read_bytes())["block_size"] == "8" for name in first)


def test_the_report_names_the_level_as_a_number_and_every_setting(tmp_path):
    source = save(tmp_path / "in.png", natural_picture(64, 96))
    report = tmp_path / "r.csv"
    assert run(["compress", str(source), "-o", str(tmp_path / "o.jpg"), *PJND, "--chroma", "444", "--level", "60",
                "--report", str(report), "-q"]) == 0
    with report.open(newline="", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert (row["level"], row["chroma"], row["written_level"], row["written_chroma"]) == ("60", "444", "60", "444")
    assert (row["jnd_model"], row["criterion"], row["weights"], row["judge"]) == ("epc", "paper", "", "pjnd")
    if not shipped_weights_path().is_file():
        return
    report = tmp_path / "r.json"
    assert run(["compress", str(source), "-o", str(tmp_path / "n.jpg"), "--judge", "vpjndnet", "--level", "60",
                "--jnd-model", "namm", "--report", str(report), "-q"]) == 0
    row = json.loads(report.read_text())["files"][0]
    assert row["level"] == 60 and row["chroma"] == "420" and row["jnd_model"] == "namm"
    assert row["weights"].startswith("vpjndnet-") and len(row["weights"]) == len("vpjndnet-") + 8
    assert marker_settings((tmp_path / "n.jpg").read_bytes())["weights"] == row["weights"]


def test_a_rerun_with_nothing_to_do_starts_no_worker_process(tmp_path, monkeypatch):
    pools = []

    def counted(*args, **kwargs):  # the real pool, counted
        pools.append(args)
        return real(*args, **kwargs)

    real = pool.ProcessPoolExecutor
    monkeypatch.setattr(pool, "ProcessPoolExecutor", counted)
    pictures = tmp_path / "in"
    for seed in range(2):
        save(pictures / f"p{seed}.png", natural_picture(48, 64, seed=seed))
    args = ["compress", str(pictures), "-o", f"{tmp_path}/out/", *PJND, "-j", "2", "-q"]
    assert run(args) == 0 and len(pools) == 1  # two pictures to search: two workers
    assert run(args) == 0 and len(pools) == 1  # both skipped in the main process


def test_subfolders_left_out_without_r_are_counted(tmp_path, capsys):
    pictures = tmp_path / "in"
    for name in ("a.png", "sub/b.png", "other/c.png", ".hidden/d.png"):
        save(pictures / name, natural_picture(32, 32))
    assert run(["predict", str(pictures), *PJND]) == 0
    assert "vpjnd: warning: 2 subfolders not searched; -r (--recursive) reads them" in capsys.readouterr().err
    assert run(["predict", str(pictures), "-r", *PJND]) == 0
    assert "not searched" not in capsys.readouterr().err
