"""`vpjnd compress` where outputs cannot be written (a full disk, a read-only file system, a file
size limit, a folder without write permission): one line naming the file, exit 1 in a batch and
2 for a lone input, no folder left behind for an output that failed, and the report written to
the end or reported as unwritable, in one line. Real file systems, in child processes."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
from pathlib import Path

import pytest
from pictures import natural_picture
from PIL import Image
from processes import CLI, on_tiny_filesystem, permissions_apply, tiny_filesystems

# QF 95 of 240x320 pictures: about 16 kB, more than the disks below hold, less than the inputs.
ARGS = ("--judge", "pjnd", "--level", "95", "-q")
needs_mounts = pytest.mark.skipif(not tiny_filesystems(), reason="cannot mount a file system in a user namespace")


def pictures(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = [folder / f"p{seed}.png" for seed in range(count)]
    for seed, path in enumerate(paths):
        Image.fromarray(natural_picture(240, 320, seed=seed)).save(path)
    return paths


def report_rows(path: Path) -> list[dict]:
    return json.loads(path.read_text())["files"]


@needs_mounts
def test_a_full_disk_fails_each_output_in_one_line_and_leaves_no_folder(tmp_path):
    sources, disk = pictures(tmp_path / "in", 2), tmp_path / "disk"
    disk.mkdir()
    report = tmp_path / "report.json"
    done, left = on_tiny_filesystem(disk, [*CLI, "compress", str(tmp_path / "in"), "-o", f"{disk}/out/deep/", *ARGS,
                                           "--report", str(report)], options="size=4k")
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"vpjnd: error: {disk}/out/deep/{source.stem}.jpg: cannot write the file (no space left on device)"
        for source in sources]
    assert left == []  # neither out/ nor out/deep/ stays behind, nor a temporary file
    rows = report_rows(report)
    assert [row["status"] for row in rows] == ["failed", "failed"]
    assert all("no space left on device" in row["error"] and not row["written"] for row in rows)

    lone, left = on_tiny_filesystem(disk, [*CLI, "compress", str(sources[0]), "-o", f"{disk}/one.jpg", *ARGS],
                                    options="size=4k")
    assert lone.returncode == 2
    assert lone.stderr == f"vpjnd: error: {disk}/one.jpg: cannot write the file (no space left on device)\n"
    assert left == []


@needs_mounts
def test_a_read_only_file_system_is_one_line_per_output(tmp_path):
    pictures(tmp_path / "in", 2)
    disk = tmp_path / "disk"
    disk.mkdir()
    done, left = on_tiny_filesystem(disk, [*CLI, "compress", str(tmp_path / "in"), "-o", f"{disk}/out/", *ARGS],
                                    options="ro")
    assert done.returncode == 1 and left == []
    assert done.stderr.splitlines() == [f"vpjnd: error: {disk}/out: cannot create the output folder "
                                        "(read-only file system)"] * 2


def test_a_file_size_limit_fails_the_write_not_the_run(tmp_path):
    pictures(tmp_path / "in", 2)
    report = tmp_path / "report.json"

    def limit_file_size() -> None:  # in the child: writes past 8,000 bytes fail with EFBIG, not a signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8000, 8000))

    done = subprocess.run([*CLI, "compress", str(tmp_path / "in"), "-o", f"{tmp_path}/out/deep/", *ARGS, "-j", "2",
                           "--report", str(report)], capture_output=True, text=True, preexec_fn=limit_file_size,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    errors = done.stderr.splitlines()
    assert len(errors) == 2 and all(line.endswith(".jpg: cannot write the file (file too large)") for line in errors)
    assert not (tmp_path / "out").exists()
    assert [row["status"] for row in report_rows(report)] == ["failed", "failed"]  # the report itself fits


def test_a_report_folder_without_write_permission_is_refused_before_any_work(tmp_path):
    sources = pictures(tmp_path / "in", 1)
    folder = tmp_path / "reports"
    folder.mkdir()
    folder.chmod(0o555)
    done = subprocess.run([*CLI, "compress", str(sources[0]), "-o", str(tmp_path / "o.jpg"), *ARGS, "--report",
                           str(folder / "r.json")], capture_output=True, text=True, preexec_fn=permissions_apply(),
                          timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == f"vpjnd: error: {folder}/r.json: report folder is not writable: {folder}\n"
    assert not (tmp_path / "o.jpg").exists()


@needs_mounts
def test_a_report_that_no_longer_fits_is_one_line_and_the_outputs_stay(tmp_path):
    sources, disk = pictures(tmp_path / "in", 2), tmp_path / "disk"
    disk.mkdir()
    runs = {"batch": [str(tmp_path / "in"), "-o", f"{tmp_path}/out/"],
            "lone": [str(sources[0]), "-o", str(tmp_path / "lone.jpg")]}
    codes = {}
    for name, args in runs.items():
        done, left = on_tiny_filesystem(disk, [*CLI, "compress", *args, *ARGS, "--report", f"{disk}/r.json"],
                                        options="size=4k")
        assert done.stderr == f"vpjnd: error: --report {disk}/r.json: cannot write the file (no space left on device)\n"
        assert left == []
        codes[name] = done.returncode
    assert codes == {"batch": 1, "lone": 2}
    assert sorted(os.listdir(tmp_path / "out")) == ["p0.jpg", "p1.jpg"] and (tmp_path / "lone.jpg").is_file()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_standard_output_on_a_full_disk(tmp_path):
    source = pictures(tmp_path / "in", 1)[0]
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*CLI, "compress", str(source), "-o", "-", *ARGS], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == "vpjnd: error: standard output: cannot write the picture (no space left on device)\n"
