"""``--executor ray``: one Ray task per picture on the CPUs of a Ray cluster, and the network judge
as a Ray actor that batches the blocks of every task (model/served.py), on a GPU when the cluster
has one and the device allows it.

Ray is an optional extra (``pip install 'vpjnd[ray]'``), imported only here and only when this
executor runs. Inputs and outputs must sit on a file system that every node sees at the same
paths. A task whose worker or node dies is run again by Ray; the main process triaged every task
before the run, and the job runs with ``Worker(retries=True)``, so a retry redoes a picture whose
file an earlier attempt may have written: each picture is reported once, its file written
atomically (imageio/write.py), with the same bytes.

Each Ray worker process builds its codecs and judge once, as a worker process of the local pool
does, with one thread for OpenCV and torch (a task holds one CPU). The judge actor keeps no state
between requests, so Ray restarts it, and repeats its calls, when its node dies.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

from vpjnd_cli.errors import ExitCode, ToolMissingError, UsageError, os_cause
from vpjnd_cli.jobs import signals
from vpjnd_cli.jobs.inputs import Task
from vpjnd_cli.jobs.picture import Outcome, Worker
from vpjnd_cli.model.served import TIMEOUT, BatchLimits, serve
from vpjnd_cli.settings import Settings

TASK_RETRIES = 3  # runs of a picture's task after its worker or node died
CONNECT_SECONDS = 5  # to reach a cluster's head
JUDGE_CALLS = 64  # requests the judge actor holds at once (the tasks it can batch)


class RayRunner:
    """``pool.Runner``'s interface over a Ray cluster: ``results``, ``stop``, ``close``."""

    def __init__(self, tasks: Sequence[Task], *, local: Worker, stdin: bytes | None = None, raise_bugs: bool = False,
                 address: str | None = None, cpus: int = 0) -> None:
        """``address``: "auto" or HOST:PORT of a running cluster; None starts a local Ray with
        ``cpus`` CPUs (0: all). ``local``: the main process's worker (its settings and judge)."""
        self.tasks, self.local, self.stdin, self.raise_bugs = tasks, local, stdin, raise_bugs
        self.ray = require_ray()
        self._started = not self.ray.is_initialized()
        if self._started:
            _connect(self.ray, address, cpus)
        self._refs: list[Any] = []
        self._tasks: dict[Any, Task] = {}
        self._done: dict[Any, Outcome] = {}

    def results(self) -> Iterator[Outcome]:
        ray, local = self.ray, self.local
        judge = _judge_actor(ray, local.settings) if local.judge_name == "vpjndnet" else None
        picture = ray.remote(_run_picture).options(num_cpus=1, max_retries=TASK_RETRIES, retry_exceptions=False)
        settings = ray.put(local.settings)
        for task in self.tasks:
            ref = picture.remote(task, settings, local.command, local.view_folder, self.stdin, judge)
            self._refs.append(ref)
            self._tasks[ref] = task
        pending = list(self._refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            outcome = self._outcome(ready[0])
            self._done[ready[0]] = outcome
            yield outcome

    def stop(self) -> list[Outcome]:
        """Cancel the tasks not finished; every finished result. A cancel reaches a running task
        as a simulated SIGINT, which its job holds back while it writes its file (signals.py),
        so that a file is complete or absent."""
        waiting = [ref for ref in self._refs if ref not in self._done]
        for ref in waiting:
            self.ray.cancel(ref)
        ready, _ = self.ray.wait(waiting, num_returns=len(waiting), timeout=30) if waiting else ([], [])
        for ref in ready:
            outcome = self._outcome(ref, cancelled_ok=True)
            if outcome is not None:
                self._done[ref] = outcome
        return list(self._done.values())

    def close(self) -> None:
        if self._started and self.ray.is_initialized():
            self.ray.shutdown()

    def _outcome(self, ref: Any, cancelled_ok: bool = False) -> Any:
        """The task's outcome; a task that raised (a bug) or could not finish fails its picture.
        ``cancelled_ok``: a cancelled task has no outcome (None)."""
        task = self._tasks[ref]
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.TaskCancelledError:
            if cancelled_ok:
                return None
            raise
        except self.ray.exceptions.RayTaskError as error:
            if cancelled_ok and isinstance(error.cause, KeyboardInterrupt):
                return None
            if self.raise_bugs and isinstance(error.cause, Exception):
                raise error.cause from None
            cause = f"internal error: {type(error.cause).__name__}: {error.cause}"
        except self.ray.exceptions.RayError as error:  # the worker or node died more often than retried
            if cancelled_ok:
                return None
            cause = f"the Ray task failed: {type(error).__name__}: {str(error).splitlines()[0]}"
        return Outcome.start(task).fail(int(ExitCode.INTERNAL), f"{task.label}: {cause} (please report it)", cause)


def require_ray() -> Any:
    """The ray module; a ToolMissingError (exit 3) when it is not installed."""
    try:
        import ray
    except ImportError as error:
        raise ToolMissingError(f"--executor ray needs Ray, which is not installed ({error}); "
                               "pip install 'vpjnd[ray]'") from None
    return ray


def _connect(ray: Any, address: str | None, cpus: int) -> None:
    """Start a local Ray (``address`` None) or join a cluster; quiet, so that the console stays vpjnd's."""
    options: dict[str, Any] = dict(logging_level=logging.ERROR, log_to_driver=False, configure_logging=True)
    if address not in (None, "auto"):
        _check_reachable(address)  # Ray itself would retry an unreachable head for minutes
    try:
        if address is None:
            ray.init(num_cpus=cpus or os.cpu_count() or 1, include_dashboard=False, **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, ValueError, RuntimeError) as error:
        where = "start a local Ray" if address is None else f"connect to the Ray cluster at {address}"
        raise UsageError(f"cannot {where}: {str(error).splitlines()[0] if str(error) else type(error).__name__}") \
            from None


def _check_reachable(address: str) -> None:
    """A UsageError unless a TCP connection to HOST:PORT opens within a few seconds."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--ray-address {address}: expected auto or HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        raise UsageError(f"cannot connect to the Ray cluster at {address}: {os_cause(error)}") from None


def _judge_actor(ray: Any, settings: Settings) -> Any:
    """The network on one actor: on a GPU of the cluster when it has one and ``--device`` is auto
    or cuda, else on a CPU (taking no CPU from the tasks' share: it is busy only while they wait)."""
    gpus = ray.cluster_resources().get("GPU", 0)
    kind = settings.device.partition(":")[0]
    if kind == "cuda" and not gpus:
        raise UsageError(f"--device {settings.device}: the Ray cluster has no GPU; use cpu or auto")
    on_gpu = gpus > 0 and kind in ("auto", "cuda")
    device = settings.device if on_gpu else "cpu"
    actor = ray.remote(JudgeActor).options(
        num_cpus=0, num_gpus=1 if on_gpu else 0, max_concurrency=JUDGE_CALLS, max_restarts=-1, max_task_retries=-1)
    return actor.remote(settings.weights, settings.criterion, device)


class JudgeActor:
    """The model, answering ``score`` calls from many tasks in batches (model/served.py, ``serve``)."""

    def __init__(self, weights: Path | None, criterion: str, device: str) -> None:
        """``weights`` None: the criterion's network as installed on the actor's node."""
        from vpjnd_cli.judges.vpjndnet import network_scorer
        from vpjnd_cli.model.header import read_header
        from vpjnd_cli.model.locate import require_weights

        path = require_weights(weights, criterion)
        self.scorer = network_scorer(path, read_header(path).config, device)
        self.requests: queue.Queue[tuple[Future[np.ndarray | str], Any]] = queue.Queue()
        threading.Thread(target=serve, args=(self.scorer, self._receive, self._reply, BatchLimits()),
                         daemon=True).start()

    def score(self, request: Any) -> np.ndarray | str:
        answer: Future[np.ndarray | str] = Future()
        self.requests.put((answer, request))
        return answer.result()

    def _receive(self, timeout: float | None) -> Any:
        try:
            return self.requests.get(timeout=timeout)
        except queue.Empty:
            return TIMEOUT

    @staticmethod
    def _reply(answer: Future[np.ndarray | str], value: np.ndarray | str) -> None:
        answer.set_result(value)


_workers: dict[tuple[Any, ...], Worker] = {}  # per Ray worker process: built once per run's settings


def _run_picture(task: Task, settings: Settings, command: str, view_folder: Path | None, stdin: bytes | None,
                 judge: Any) -> Outcome:
    """One picture's job in a Ray worker process. A cancel (KeyboardInterrupt) stops it unless it
    is writing its file, as a signal stops a job of the local pool."""
    key = (settings, command, view_folder)  # a Ray worker process serves one run (one driver): one judge actor
    if key not in _workers:
        # device cpu: the task's own maths (JND map, luma peak) stay on the CPU Ray gave it
        _workers[key] = Worker(dataclasses.replace(settings, device="cpu"), command, view_folder, retries=True,
                               send=None if judge is None else _sender(judge))
        import cv2

        cv2.setNumThreads(1)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signals.raise_interrupted) if main_thread else None
    try:
        with signals.job():
            return _workers[key].run(task, stdin)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _sender(judge: Any) -> Any:
    import ray

    def send(request: Any) -> np.ndarray:
        answer = ray.get(judge.score.remote(request))
        if isinstance(answer, str):
            raise RuntimeError(f"the judge actor failed: {answer}")
        return answer

    return send
