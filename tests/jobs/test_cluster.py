"""`--executor ray`: a Ray cluster of two worker nodes started here (one CPU each), the same files
and report as one local process, a worker node killed in the middle of a run, and the errors of a
missing Ray or an unreachable cluster."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pictures import natural_picture
from PIL import Image
from processes import CLI

from vpjnd_cli import compress_many
from vpjnd_cli.cli import run
from vpjnd_cli.errors import UsageError
from vpjnd_cli.jobs.inputs import find_sources, plan_tasks
from vpjnd_cli.jobs.picture import Worker
from vpjnd_cli.jobs.signals import job
from vpjnd_cli.results import Status
from vpjnd_cli.settings import Settings

NODE = dict(num_cpus=1, object_store_memory=100 * 2**20)


@pytest.fixture
def cluster() -> Iterator[object]:
    """A head that runs no tasks and two worker nodes of one CPU each, as separate processes."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True,
                      head_node_args=dict(NODE, num_cpus=0, include_dashboard=False))
    try:
        cluster.add_node(**NODE)
        cluster.add_node(**NODE)
        cluster.wait_for_nodes()
        yield cluster
    finally:
        cluster.shutdown()


def pictures_in(folder: Path, count: int, height: int = 96, width: int = 128) -> Path:
    folder.mkdir(parents=True)
    for seed in range(count):
        Image.fromarray(natural_picture(height, width, seed=seed)).save(folder / f"p{seed}.png", compress_level=1)
    return folder


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def report_rows(report: Path) -> dict[str, dict]:
    """Each picture's row without its timings, by input name (outputs: by name)."""
    rows = json.loads(report.read_text())["files"]
    return {Path(row["path"]).name: {k: Path(v).name if k == "output" else v for k, v in row.items()
                                     if "seconds" not in k} for row in rows}


def one_process(pictures: Path, out: Path, report: Path, *options: str) -> None:
    assert run(["compress", str(pictures), "-o", f"{out}/", "-q", "--report", str(report), *options]) == 0


def on_ray(pictures: Path, out: Path, report: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "compress", str(pictures), "-o", f"{out}/", "-q", "--report", str(report),
                             "--executor", "ray", *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_two_node_cluster_writes_the_same_bytes_and_report_as_one_process(tmp_path, cluster):
    pictures = pictures_in(tmp_path / "in", 4)
    one_process(pictures, tmp_path / "one", tmp_path / "one.json")
    child = on_ray(pictures, tmp_path / "ray", tmp_path / "ray.json", "--ray-address", cluster.address)
    out, err = child.communicate(timeout=240)
    assert child.returncode == 0 and out == "" and err == "", err
    assert files_under(tmp_path / "ray") == files_under(tmp_path / "one")
    assert report_rows(tmp_path / "ray.json") == report_rows(tmp_path / "one.json")
    assert {row["judge"] for row in report_rows(tmp_path / "ray.json").values()} == {"vpjndnet"}  # the judge actor

    again = on_ray(pictures, tmp_path / "ray", tmp_path / "again.json", "--ray-address", cluster.address)
    assert again.wait(timeout=120) == 0  # a rerun skips what the cluster wrote, in this process
    assert {row["status"] for row in report_rows(tmp_path / "again.json").values()} == {"skipped"}


def test_a_worker_node_killed_mid_run_still_finishes_every_picture_once(tmp_path, cluster):
    pictures = pictures_in(tmp_path / "in", 8, 360, 480)
    one_process(pictures, tmp_path / "one", tmp_path / "one.json", "--judge", "pjnd")
    out = tmp_path / "ray"
    child = on_ray(pictures, out, tmp_path / "ray.json", "--judge", "pjnd", "--ray-address", cluster.address)
    deadline = time.monotonic() + 120
    while not (out.is_dir() and any(p.suffix == ".jpg" for p in out.iterdir())):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.02)
    worker_node = next(node for node in cluster.list_all_nodes() if node is not cluster.head_node)
    cluster.remove_node(worker_node, allow_graceful=False)  # its raylet and workers die at once
    _, err = child.communicate(timeout=240)
    assert child.returncode == 0, err
    assert files_under(out) == files_under(tmp_path / "one")  # every picture, once, the same bytes
    rows = json.loads((tmp_path / "ray.json").read_text())["files"]
    assert sorted(Path(row["path"]).name for row in rows) == sorted(p.name for p in pictures.iterdir())
    assert {row["status"] for row in rows} == {"ok"} and all(row["written"] for row in rows)


def test_a_local_ray_is_started_for_the_run_when_no_cluster_is_named(tmp_path, capsys):
    pictures = pictures_in(tmp_path / "in", 2)
    assert run(["predict", str(pictures), "--judge", "pjnd", "--json", "-q"]) == 0
    local = sorted(capsys.readouterr().out.splitlines())
    done = subprocess.run([*CLI, "predict", str(pictures), "--judge", "pjnd", "--json", "-q", "--executor", "ray",
                           "-j", "2"], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    levels = [{k: v for k, v in json.loads(line).items() if "seconds" not in k} for line in local]
    assert [{k: v for k, v in json.loads(line).items() if "seconds" not in k}
            for line in sorted(done.stdout.splitlines())] == levels and len(levels) == 2


def test_without_ray_installed_the_executor_is_one_error_line_and_exit_3(tmp_path):
    pictures = pictures_in(tmp_path / "in", 1)
    code = ("import sys; sys.modules['ray'] = None; from vpjnd_cli.cli import main; "
            f"sys.argv = ['vpjnd', 'compress', {str(pictures)!r}, '-o', {str(tmp_path / 'out')!r} + '/', "
            "'--executor', 'ray']; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stderr.startswith("vpjnd: error: --executor ray needs Ray, which is not installed")
    assert "pip install 'vpjnd[ray]'" in done.stderr and len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(("options", "message"), [
    (["--executor", "ray", "--ray-address", "127.0.0.1:1"], "cannot connect to the Ray cluster at 127.0.0.1:1"),
    (["--executor", "ray", "--ray-address", "nowhere"], "--ray-address nowhere: expected auto or HOST:PORT"),
    (["--ray-address", "auto"], "--ray-address names the cluster of --executor ray"),
])
def test_an_unusable_cluster_address_is_a_usage_error(tmp_path, capsys, options, message):
    pictures = pictures_in(tmp_path / "in", 1)
    assert run(["compress", str(pictures), "-o", f"{tmp_path}/out/", *options]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("kept", [False, True])
def test_a_job_run_again_after_its_file_was_written_reports_it_written_once(tmp_path, kept):
    """What a Ray task's retry meets when the attempt that died had written the file: the job is
    redone and reported as written, the file left as it was (kept: the original, copied)."""
    folder = tmp_path / "in"
    folder.mkdir()
    picture = np.full((64, 64, 3), 200, np.uint8) if kept else natural_picture(96, 128)
    Image.fromarray(picture).save(folder / "p.png")
    settings = Settings(codecs=("jpeg",), judge="pjnd")
    [task] = plan_tasks(find_sources([folder]).sources, codecs=settings.codecs, output=tmp_path / "out",
                        template=None, folder=True)
    with job():
        first = Worker(settings, retries=True).run(task)
        output = Path(first.result.output)
        written = output.read_bytes(), output.stat().st_mtime_ns
        again = Worker(settings, retries=True).run(task)
        assert again.message is None and again.result.status is first.result.status
        assert again.result.written and again.result.output == first.result.output
        assert (output.read_bytes(), output.stat().st_mtime_ns) == written
        assert Worker(settings).run(task).result.status is Status.SKIPPED  # a rerun, unlike a retry, skips it


def test_the_api_takes_the_executor_too(tmp_path):
    pictures = pictures_in(tmp_path / "in", 1)
    with pytest.raises(UsageError, match=r"cannot connect to the Ray cluster at 127\.0\.0\.1:1"):
        list(compress_many([pictures], tmp_path / "out", executor="ray", ray_address="127.0.0.1:1"))
