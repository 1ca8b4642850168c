"""Stop signals: a job stops at once until it commits to writing, then finishes first."""

from __future__ import annotations

import os
import signal

import pytest

from vpjnd_cli.jobs.signals import (
    Interrupted,
    commit,
    critical,
    job,
    raise_if_stopped,
    stop_signals_raise,
)


def test_a_job_stops_at_once_before_it_commits():
    with stop_signals_raise(), pytest.raises(Interrupted) as stopped, job():
        os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.exit_code == 143


def test_a_committed_job_finishes_and_the_signal_waits_for_the_caller():
    finished = []
    with stop_signals_raise():
        with job():
            commit()
            os.kill(os.getpid(), signal.SIGINT)
            finished.append("file written")
        finished.append("result stored")  # after the scope, before raise_if_stopped: nothing raised
        with pytest.raises(Interrupted) as stopped:
            raise_if_stopped()
        assert stopped.value.exit_code == 130
        with pytest.raises(Interrupted):  # the hold ended with the job: the next signal acts at once
            os.kill(os.getpid(), signal.SIGINT)
    assert finished == ["file written", "result stored"]


def test_a_critical_section_holds_signals_back_only_while_it_runs():
    with stop_signals_raise():
        with critical():
            os.kill(os.getpid(), signal.SIGTERM)
        with pytest.raises(Interrupted):
            raise_if_stopped()
        raise_if_stopped()  # the held signal is consumed once


def test_commit_outside_a_job_is_a_programming_error():
    with pytest.raises(RuntimeError, match="outside a job"):
        commit()
