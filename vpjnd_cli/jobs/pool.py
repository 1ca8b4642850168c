"""Running the jobs: in this process, or in worker processes that each build their codecs and
judge once.

Workers are started with "spawn", which is safe with torch and OpenCV threads and the same on
every OS. Each job's output depends only on its input and the settings (the codecs pin their
encoder threads), so the files are byte-identical for any ``-j``. Workers split the CPUs
between them for torch and OpenCV threads. With a judge server (server.py), the workers send the
network's work to it instead of loading the model.

Stopping: workers ignore SIGINT (a terminal sends Ctrl-C to the whole process group; the main
process decides). On Interrupted, the main process cancels the jobs not started and sends
SIGTERM to its worker processes (multiprocessing.active_children: the CLI starts no others): a
worker in a job raises Interrupted there (unless it has started writing its file: then the job
completes) and takes no further job; the pool then shuts down normally, and ``stop`` returns
every finished result, so that a result the caller had not yet received when the signal came is
still reported (the caller drops those it has).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from vpjnd_cli.chatter import library_messages_on_one_line
from vpjnd_cli.errors import ExitCode
from vpjnd_cli.jobs import signals
from vpjnd_cli.jobs.inputs import Task
from vpjnd_cli.jobs.picture import Outcome, Worker
from vpjnd_cli.model.locate import require_weights
from vpjnd_cli.settings import Settings

if TYPE_CHECKING:
    from vpjnd_cli.jobs.server import JudgeServer, Link

_worker: Worker | None = None
_busy = False  # a job is running in this worker
_stopping = False  # SIGTERM came: run no more jobs


class Runner:
    """Yields each task's result as it finishes; ``stop`` ends the run early and cleanly."""

    def __init__(self, tasks: Sequence[Task], *, jobs: int, local: Worker, stdin: bytes | None = None,
                 raise_bugs: bool = False, judge_server: bool = False) -> None:
        """``local``: the main process's worker (used with one job; the workers are built like it);
        ``raise_bugs``: let an unexpected exception end the run (a lone input) instead of failing
        only its picture; ``judge_server``: with several jobs, the network runs in one more
        process that serves them all (server.py)."""
        self.tasks, self.local, self.stdin = tasks, local, stdin
        self.raise_bugs = raise_bugs
        self.jobs = jobs
        self.judge_server = judge_server
        self._pool: ProcessPoolExecutor | None = None
        self._server: JudgeServer | None = None
        self._futures: list[Future[Outcome]] = []
        self._last: Outcome | None = None  # the latest result of a job run in this process

    def results(self) -> Iterator[Outcome]:
        if self.jobs == 1:
            for task in self.tasks:
                with signals.job():
                    try:
                        result = self.local.run(task, self.stdin)
                    except Exception as bug:  # noqa: BLE001 - a bug fails its picture, not the batch
                        result = self._bug(task, bug)
                    self._last = result
                yield result
            return
        threads = max(1, (os.cpu_count() or 1) // self.jobs)
        settings = self.local.settings
        if self.judge_server:
            from vpjnd_cli.jobs.server import JudgeServer

            self._server = JudgeServer(require_weights(settings.weights, settings.criterion), settings.device,
                                       self.jobs, threads)
        self._pool = ProcessPoolExecutor(
            self.jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
            initargs=(settings, self.local.command, self.local.view_folder, threads,
                      None if self._server is None else self._server.link),
        )
        # Workers are started by submit; started with SIGINT ignored, they ignore it from the first instruction.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self._futures = [self._pool.submit(_run_job, task) for task in self.tasks]
        finally:
            signal.signal(signal.SIGINT, previous)
        tasks = {id(future): task for future, task in zip(self._futures, self.tasks, strict=True)}
        for future in as_completed(self._futures):
            try:
                result = future.result()
            except Exception as bug:  # noqa: BLE001 - a bug (or a killed worker) fails its picture
                result = self._bug(tasks[id(future)], bug)
            yield result

    def stop(self) -> list[Outcome]:
        """Cancel the jobs not started, stop the workers, and return the finished results, those
        already yielded included (a signal may have come before the caller stored one): every
        worker's, or this process's latest."""
        if self._pool is None:
            return [] if self._last is None else [self._last]
        for future in self._futures:
            future.cancel()
        for process in multiprocessing.active_children():
            process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        return [
            future.result()
            for future in self._futures
            if future.done() and not future.cancelled() and future.exception() is None
        ]

    def _bug(self, task: Task, bug: Exception) -> Outcome:
        if self.raise_bugs:
            raise bug
        cause = f"internal error: {type(bug).__name__}: {bug}"
        return Outcome.start(task).fail(int(ExitCode.INTERNAL), f"{task.label}: {cause} (please report it)", cause)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._server is not None:
            self._server.close()


def _start_worker(settings: Settings, command: str, view_folder: Path | None, threads: int,
                  server: Link | None) -> None:
    """Worker initializer: signals, thread counts, and the codecs and judge, once per process
    (the network's answers from the judge server when there is one)."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    library_messages_on_one_line()
    _worker = Worker(settings, command, view_folder, send=None if server is None else server.sender())
    import cv2

    cv2.setNumThreads(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def _stop_worker(signum: int, frame: FrameType | None) -> None:
    """SIGTERM in a worker: stop the job in hand; an idle worker only refuses the jobs still queued
    for it (and exits when the pool shuts down), so that no finished result is lost."""
    global _stopping
    _stopping = True
    if _busy:
        signals.raise_interrupted(signum, frame)  # held back while a file is being written


def _run_job(task: Task) -> Outcome:
    global _busy
    if _stopping:
        raise signals.Interrupted(signal.SIGTERM)
    if _worker is None:
        raise RuntimeError("a job reached a worker process whose initializer did not run")
    with signals.job():  # ends after _busy is cleared: a committed job returns whatever SIGTERM comes
        _busy = True
        try:
            return _worker.run(task)
        finally:
            _busy = False
