"""The network judge of a worker that does not hold the model: it cuts the patches where the
picture was decoded and sends each block to the process that owns the model (a judge server,
jobs/server.py, or a Ray actor, jobs/cluster.py), which batches the blocks of many workers.

Only patches travel (the shipped model: 32 patches of 64x64, about 0.4 MB per candidate), not
pictures; every request carries its reference's and JND map's patches too, so the model's owner
keeps no state between requests and a worker or an owner that is restarted loses nothing.

The owner runs ``serve``: dynamic batching. The first request waits up to ``BatchLimits.wait``
seconds for others, until the batch holds ``BatchLimits.patches`` patches; the batch is scored
by ``PatchScorer.score_requests``, whose answer for a block is the one a single process gives
it, whatever blocks share its batch (scoring.py), so the files are the same bytes as with ``-j 1``.
The owner chooses its engine as one process would (judges/vpjndnet.py, ``network_scorer``):
torch on a GPU, the ONNX graph on the CPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.patches import PatchGrid
from vpjnd_cli.model.scoring import PatchRequest, check_candidates, plan_reference

if TYPE_CHECKING:
    from vpjnd_cli.model.scoring import PatchScorer

Send = Callable[[PatchRequest], np.ndarray]  # a request to the model's owner -> P per candidate


@dataclass(frozen=True)
class PatchedPicture:
    """A reference cut into its grid's patches, with its JND map's."""

    grid: PatchGrid
    reference: np.ndarray  # [P, C, S, S] uint8
    jnd: np.ndarray  # [P, 1, S, S] float32


class ServedScorer:
    """``PatchJudge``'s ``prepare`` and ``probabilities``, answered by the model's owner through ``send``."""

    def __init__(self, config: NetConfig, send: Send) -> None:
        self.config, self.send = config, send

    def prepare(self, reference_rgb: np.ndarray, jnd_map: np.ndarray) -> PatchedPicture:
        grid = plan_reference(self.config, self.config.patches_per_picture, reference_rgb, jnd_map)
        return PatchedPicture(grid, grid.cut(reference_rgb), grid.cut(jnd_map.astype(np.float32, copy=False)))

    def probabilities(self, prepared: PatchedPicture, candidates: Sequence[np.ndarray]) -> np.ndarray:
        check_candidates(prepared.grid, self.config.in_channels, candidates)
        if not candidates:
            return np.zeros(0)
        patches = np.concatenate([prepared.grid.cut(candidate) for candidate in candidates])
        return self.send(PatchRequest(prepared.reference, prepared.jnd, patches))


@dataclass(frozen=True)
class BatchLimits:
    """How long the first request of a batch waits for company, and the most patches in one batch."""

    wait: float = 0.005
    patches: int = 4096


TIMEOUT = "timeout"  # ``receive``'s answer when no request came in time
Item = tuple[Hashable, PatchRequest]  # a request and the tag its answer goes back with
Receive = Callable[[float | None], "Item | str | None"]
Reply = Callable[[Hashable, "np.ndarray | str"], None]


def serve(scorer: PatchScorer, receive: Receive, reply: Reply, limits: BatchLimits | None = None) -> None:
    """Answer requests in batches until ``receive`` gives None.

    ``receive(timeout)``: the next (tag, request), waiting at most ``timeout`` seconds (None: for
    ever), or TIMEOUT, or None to stop. ``reply(tag, answer)``: P per candidate, or the text of the
    error that the batch raised (each of its requests gets it).
    """
    limits = limits or BatchLimits()
    while True:
        first = receive(None)
        if not isinstance(first, tuple):
            return
        batch = [first]
        deadline = time.monotonic() + limits.wait
        stopping = False
        while sum(request.patches for _, request in batch) < limits.patches:
            item = receive(max(0.0, deadline - time.monotonic()))
            if not isinstance(item, tuple):
                stopping = item is None
                break
            batch.append(item)
        try:
            answers: Sequence[np.ndarray | str] = scorer.score_requests([request for _, request in batch])
        except Exception as error:  # noqa: BLE001 - the workers' pictures fail, the server goes on
            answers = [f"{type(error).__name__}: {error}"] * len(batch)
        for (tag, _), answer in zip(batch, answers, strict=True):
            reply(tag, answer)
        if stopping:
            return
