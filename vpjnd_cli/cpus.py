"""This process's share of the CPUs, for the work that can use several threads."""

from __future__ import annotations


def process_threads() -> int:
    """How many threads this process may keep busy: OpenCV's thread count, which the job runners
    set to each worker's share of the CPUs (the CPU count over ``-j``; one in a Ray task) and
    which is the machine's CPU count in a lone process."""
    import cv2  # loaded by the JND map anyway; imported here to keep the CLI's start light

    return max(1, cv2.getNumThreads())
