"""The judge server: -j 2 workers whose network runs in one more process (forced on the CPU here,
as the GPU would start it) write the same bytes and report as one process; a server that dies
fails the pictures in hand, and the run still ends."""

from __future__ import annotations

import json

from pictures import natural_picture
from PIL import Image

from vpjnd_cli.cli import run
from vpjnd_cli.jobs.inputs import find_sources, plan_tasks
from vpjnd_cli.jobs.picture import Worker
from vpjnd_cli.jobs.pool import Runner
from vpjnd_cli.jobs.server import FORCE_VARIABLE
from vpjnd_cli.settings import Settings


def test_two_workers_and_a_judge_server_write_the_same_bytes_as_one_process(tmp_path, monkeypatch, capsys):
    pictures = tmp_path / "in"
    pictures.mkdir()
    for seed in range(4):
        Image.fromarray(natural_picture(120, 160, seed=seed)).save(pictures / f"p{seed}.png")
    runs = {}
    for jobs in ("1", "2"):
        if jobs == "2":
            monkeypatch.setenv(FORCE_VARIABLE, "1")
        out = tmp_path / f"out{jobs}"
        assert run(["compress", str(pictures), "-o", f"{out}/", "-j", jobs, "-v", "--json"]) == 0
        captured = capsys.readouterr()
        records = sorted((json.loads(line) for line in captured.out.splitlines()), key=lambda r: r["path"])
        runs[jobs] = ({p.name: p.read_bytes() for p in sorted(out.iterdir())}, records, captured.err)
    (one, one_records, _), (two, two_records, err) = runs["1"], runs["2"]
    assert "2 worker process(es) and a judge server; codecs jpeg; judge vpjndnet" in err
    assert two == one and len(one) == 4
    drop = ("seconds", "output")
    assert [{k: v for k, v in r.items() if not k.endswith(drop)} for r in two_records] == \
        [{k: v for k, v in r.items() if not k.endswith(drop)} for r in one_records]
    assert {r["judge"] for r in two_records} == {"vpjndnet"} and all(r["probabilities"] for r in two_records)


def test_a_judge_server_that_dies_fails_the_pictures_in_hand_and_the_run_ends(tmp_path, monkeypatch):
    monkeypatch.setenv(FORCE_VARIABLE, "1")
    pictures = tmp_path / "in"
    pictures.mkdir()
    for seed in range(6):
        Image.fromarray(natural_picture(240, 320, seed=seed)).save(pictures / f"p{seed}.png")
    settings = Settings(codecs=("jpeg",), judge="vpjndnet")
    tasks = plan_tasks(find_sources([pictures]).sources, codecs=settings.codecs, output=tmp_path / "out",
                       template=None, folder=True)
    runner = Runner(tasks, jobs=2, local=Worker(settings), judge_server=True)
    outcomes = []
    try:
        for outcome in runner.results():
            outcomes.append(outcome)
            if len(outcomes) == 1:
                runner._server.process.kill()  # as the kernel's OOM killer would
    finally:
        runner.close()  # returns: no worker waits for ever on the dead server
    assert len(outcomes) == 6
    failed = [outcome.result.error for outcome in outcomes if outcome.message is not None]
    assert failed and all("the judge server stopped" in error for error in failed)
