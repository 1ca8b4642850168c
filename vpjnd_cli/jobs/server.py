"""The judge server: with ``-j N`` and the network on an accelerator, N worker processes do each
picture's CPU work (reading, the JND map, encoding and decoding candidates, the luma peak) and one
more process owns the model and scores the blocks of every worker in shared batches
(model/served.py, ``serve``). Without it, N processes would each hold the model and share the GPU
one block at a time, or, as vpjnd did before, one process would do all the CPU work.

The files are byte-identical to ``-j 1``: a block's answer does not depend on the blocks batched
with it (model/scoring.py, ``PatchScorer.score_requests``). ``VPJND_JUDGE_SERVER=1`` runs the
server whatever the device, the CPU included (it is how the tests run this path without a GPU).

Plumbing: one request queue into the server, one answer queue per worker (a worker claims its own
from a shared counter when it starts, and has one request out at a time). A worker waiting for an
answer checks every second that the server is alive (the server holds the only write end of a
pipe, whose read end then reports its end), so a server that dies fails the pictures in hand
instead of hanging the run. The server ignores SIGINT, as the workers do, and ends on
SIGTERM, which the pool sends every child when a run is stopped.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
from collections.abc import Hashable
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np

from vpjnd_cli.chatter import library_messages_on_one_line
from vpjnd_cli.errors import VpjndError
from vpjnd_cli.model.scoring import PatchRequest
from vpjnd_cli.model.served import TIMEOUT, BatchLimits, Item, Send, serve

FORCE_VARIABLE = "VPJND_JUDGE_SERVER"  # "1": a judge server on any device, the CPU included
START_SECONDS = 300  # for the server to load the model (a first CUDA start is slow)


def wanted(device: Any) -> bool:
    """Whether ``-j N`` runs a judge server for a network on ``device`` (a torch.device; None: the
    ONNX graph, on the CPU)."""
    return os.environ.get(FORCE_VARIABLE) == "1" or getattr(device, "type", "cpu") != "cpu"


@dataclass
class Link:
    """What a worker process needs to reach the server (passed to it when it starts)."""

    requests: Any  # multiprocessing queue of Item, None to stop
    answers: list[Any]  # per worker: (tag, P per candidate or an error's text)
    claimed: Any  # multiprocessing.Value: answer queues already claimed
    alive: Any  # the read end of a pipe that only the server writes to: readable (at its end) when it ends
    _tags: Any = field(default_factory=count)

    def sender(self) -> Send:
        """This worker's ``send``: claims an answer queue, then asks the server one block at a time."""
        with self.claimed.get_lock():
            slot = self.claimed.value
            self.claimed.value += 1
        answers = self.answers[slot]
        self.requests.cancel_join_thread()  # a worker's exit must not wait to flush into a server that died

        def send(request: PatchRequest) -> np.ndarray:
            tag = (slot, next(self._tags))
            self.requests.put((tag, request))
            while True:
                try:
                    got, answer = answers.get(timeout=1.0)
                except queue.Empty:
                    if self.alive.poll():
                        raise RuntimeError("the judge server stopped") from None
                    continue
                if got == tag:
                    break
            if isinstance(answer, str):
                raise RuntimeError(f"the judge server failed: {answer}")
            return answer

        return send


class JudgeServer:
    """The server process, started and loaded (a bad weights file fails here, with its own error)."""

    def __init__(self, weights: Path | None, device: str, workers: int, threads: int) -> None:
        context = multiprocessing.get_context("spawn")
        ready = context.Queue()
        requests = context.Queue()
        answers = [context.Queue() for _ in range(workers)]
        alive, held = context.Pipe(duplex=False)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited: the main process decides
        try:
            self.process = context.Process(target=_serve, args=(weights, device, threads, requests, answers, ready,
                                                                held), name="vpjnd-judge-server", daemon=True)
            self.process.start()
        finally:
            signal.signal(signal.SIGINT, previous)
            held.close()  # the server's copy is now the only one
        try:
            failure = ready.get(timeout=START_SECONDS)
        except queue.Empty:
            failure = RuntimeError(f"the judge server did not start within {START_SECONDS} s")
        if failure is not None:
            self.process.terminate()
            raise failure
        self.link = Link(requests, answers, context.Value("i", 0), alive)

    def close(self) -> None:
        if self.process.is_alive():
            self.link.requests.put(None)
            self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def _serve(weights: Path | None, device: str, threads: int, requests: Any, answers: list[Any], ready: Any,
           held: Any) -> None:
    """The server process: load the model, say so (or send the error), answer until told to stop;
    ``held``, the pipe's write end, closes when the process ends, however it ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    library_messages_on_one_line()
    import cv2

    from vpjnd_cli.judges.vpjndnet import network_scorer
    from vpjnd_cli.model.header import read_header
    from vpjnd_cli.model.locate import require_weights

    cv2.setNumThreads(threads)
    try:
        path = require_weights(weights)
        scorer = network_scorer(path, read_header(path).config, device)  # the engine one process would use
    except (VpjndError, RuntimeError, OSError) as error:
        ready.put(error)
        return
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    ready.put(None)
    for queue_ in answers:
        queue_.cancel_join_thread()  # nor the server's exit on a worker that died

    def receive(timeout: float | None) -> Item | str | None:
        try:
            item: Item | None = requests.get(timeout=timeout)
        except queue.Empty:
            return TIMEOUT
        return item

    def reply(tag: Hashable, answer: np.ndarray | str) -> None:
        answers[tag[0]].put((tag, answer))  # type: ignore[index]

    serve(scorer, receive, reply, BatchLimits())

