"""This process's share of the CPUs: what the job runners set as OpenCV's thread count."""

from __future__ import annotations

import cv2

from vpjnd_cli.cpus import process_threads


def test_process_threads_follow_opencvs_thread_count():
    before = cv2.getNumThreads()
    try:
        for threads in (1, 3):
            cv2.setNumThreads(threads)
            assert process_threads() == threads
        cv2.setNumThreads(0)  # OpenCV's "no threads"
        assert process_threads() == 1
    finally:
        cv2.setNumThreads(before)
