"""The runner's stop: every finished job's result comes back, also one the caller never stored
(a signal that arrives between a job's end and the caller's next instruction)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pictures import natural_picture
from PIL import Image

from vpjnd_cli.jobs.inputs import find_sources, plan_tasks
from vpjnd_cli.jobs.picture import Worker
from vpjnd_cli.jobs.pool import Runner
from vpjnd_cli.settings import Settings

SETTINGS = Settings(codecs=("jpeg",), judge="pjnd")


def runner_over(tmp_path: Path, count: int, jobs: int) -> Runner:
    pictures = tmp_path / "in"
    pictures.mkdir()
    for seed in range(count):
        Image.fromarray(natural_picture(96, 128, seed=seed)).save(pictures / f"p{seed}.png")
    tasks = plan_tasks(find_sources([pictures]).sources, codecs=SETTINGS.codecs, output=tmp_path / "out",
                       template=None, folder=True)
    return Runner(tasks, jobs=jobs, local=Worker(SETTINGS, "compress"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_stop_returns_the_finished_results_that_the_caller_dropped(tmp_path, jobs):
    runner = runner_over(tmp_path, 2, jobs)
    try:
        outcomes = runner.results()
        dropped = next(outcomes)  # yielded, but "interrupted" before the caller stored it
        assert Path(dropped.result.output).is_file()
        returned = runner.stop()
    finally:
        runner.close()
    assert dropped.index in {outcome.index for outcome in returned}
    assert all(Path(outcome.result.output).is_file() for outcome in returned)
