"""How many worker processes a run gets, and whether a judge server runs the network for them."""

from __future__ import annotations

from types import SimpleNamespace

from vpjnd_cli.jobs.batch import _worker_count
from vpjnd_cli.jobs.server import FORCE_VARIABLE


def judge_on(device_type: str | None) -> SimpleNamespace:
    """A worker whose network runs on torch's ``device_type``, or (None) from the ONNX graph."""
    scorer = SimpleNamespace() if device_type is None else SimpleNamespace(device=SimpleNamespace(type=device_type))
    return SimpleNamespace(judge_name="vpjndnet", judge=SimpleNamespace(scorer=scorer))


def test_one_worker_per_picture_at_most_and_a_judge_server_for_an_accelerator(monkeypatch):
    monkeypatch.delenv(FORCE_VARIABLE, raising=False)
    assert _worker_count(4, 8, judge_on("cpu")) == (4, False)
    assert _worker_count(4, 3, judge_on("cpu")) == (3, False)
    assert _worker_count(4, 8, judge_on(None)) == (4, False)
    assert _worker_count(4, 8, SimpleNamespace(judge_name="pjnd", judge=object())) == (4, False)
    assert _worker_count(4, 8, judge_on("cuda")) == (4, True)
    assert _worker_count(4, 1, judge_on("cuda")) == (1, False)  # one process holds the model itself
    monkeypatch.setenv(FORCE_VARIABLE, "1")
    assert _worker_count(2, 8, judge_on("cpu")) == (2, True)
    assert _worker_count(2, 8, judge_on(None)) == (2, True)
    assert _worker_count(2, 8, SimpleNamespace(judge_name="pjnd", judge=object())) == (2, False)
