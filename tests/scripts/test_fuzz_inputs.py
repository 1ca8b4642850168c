"""A few of scripts/fuzz_inputs.py's malformed files through the real CLI, so that CI holds the line the
full fuzz run draws: no exit 4, one line per error, bounded memory, no output or changed input left."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from pictures import REPO

_SPEC = importlib.util.spec_from_file_location("fuzz_inputs", REPO / "scripts" / "fuzz_inputs.py")
fuzz = importlib.util.module_from_spec(_SPEC)
sys.modules["fuzz_inputs"] = fuzz
_SPEC.loader.exec_module(fuzz)

HUGE = f"size {fuzz.HUGE}x{fuzz.HUGE}"  # 144 MP in a header, just under --max-pixels, in a file of a few KB
# (source, kind of damage): kinds that once gave exit 4, several stderr lines, or minutes at gigabytes
PICKS = [("png-rgb", HUGE), ("avif", HUGE), ("bpg", HUGE), ("webp-animated", HUGE), ("gif-animated", HUGE),
         ("png-rgb16", "length"), ("tiff-raw", "truncated to 24")]


@pytest.fixture(scope="module")
def picked() -> list[fuzz.Case]:
    cases = fuzz.cases(seed=0)
    return [next(c for c in cases if c.source == source and c.mutation.startswith(kind)) for source, kind in PICKS]


def test_the_corpus_is_the_same_for_the_same_seed():
    assert fuzz.digest(fuzz.cases(seed=0)) == fuzz.digest(fuzz.cases(seed=0))


def test_picked_malformed_files_fail_cleanly_through_info_and_compress(tmp_path, picked):
    for case in picked:
        runs = fuzz.run_case(case, tmp_path, timeout=60, max_rss_mb=1536, cap_mb=4096)
        for run in runs:
            assert run.problems == [], (case.name, case.mutation, run)
            if case.mutation.startswith(HUGE):
                assert run.exit_code == 2, (case.name, case.mutation, run.stderr)
