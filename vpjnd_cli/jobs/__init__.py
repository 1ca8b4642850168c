"""Many pictures, one code path: finding inputs and their outputs, the per-picture job, worker
processes, the vpjnd marker, reports. ``compress`` and ``predict`` run one picture through the
same machinery as a thousand, so a lone input and a batch behave alike.
"""
