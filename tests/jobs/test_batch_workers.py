"""How many worker processes a run gets."""

from __future__ import annotations

from types import SimpleNamespace

from vpjnd_cli.console import Console
from vpjnd_cli.jobs.batch import _worker_count


def judge_on(device_type: str) -> SimpleNamespace:
    device = SimpleNamespace(type=device_type, __str__=lambda self: device_type)
    return SimpleNamespace(judge=SimpleNamespace(scorer=SimpleNamespace(device=device)))


def test_one_worker_per_picture_at_most_and_one_for_an_accelerator(capsys):
    screen = Console()
    assert _worker_count(4, 8, judge_on("cpu"), screen) == 4
    assert _worker_count(4, 3, judge_on("cpu"), screen) == 3
    assert _worker_count(4, 8, SimpleNamespace(judge=object()), screen) == 4  # the weight-free judge
    assert _worker_count(4, 8, judge_on("cuda"), screen) == 1
    assert "one process serves every picture (-j 4 is ignored)" in capsys.readouterr().err
