"""BPG: candidates at the back-end's fastest preset and the file at the effort, against
candidates and file both at the effort (before the split), per picture (a benchmark, not a test).

    .venv/bin/python bench/bench_bpg_search.py PHOTO... [--size 1280x720] [--effort 3]

Each photo is fitted (scaled to cover, centre-cropped) to --size and searched with the pjnd
judge at the default SUR, built-in back-end, 4:2:0. Per photo and mode: the level the search
chose, the level written after the written file was judged again, its bytes, whether it was
judged again, its probability, and the CPU seconds of search and final encode together.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from bench_codecs import load_picture  # noqa: E402

from vpjnd_cli.codecs import get_codec  # noqa: E402
from vpjnd_cli.codecs.base import CodecOptions  # noqa: E402
from vpjnd_cli.imageio.metadata import Metadata  # noqa: E402
from vpjnd_cli.judges.pjnd import PjndJudge  # noqa: E402
from vpjnd_cli.pipeline import SearchSettings, finalise, predict  # noqa: E402
from vpjnd_cli.source import Source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", nargs="+", type=Path)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--effort", type=int, default=3, help="the written file's effort (bpgenc -m)")
    args = parser.parse_args()
    print(f"{'picture':32} {'mode':6} {'QP':>3} {'written':>7} {'bytes':>8} {'rejudged':>8} {'P':>6} {'CPU s':>6}")
    for photo in args.photos:
        rgb, _ = load_picture(photo, args.size)
        for mode in ("split", "same"):
            codec = get_codec("bpg", CodecOptions(bpg_backend="builtin", effort=args.effort))
            if mode == "same":
                codec.backend.fastest_effort = args.effort  # candidates at the effort too
            settings = SearchSettings()
            start = time.process_time()
            prediction, candidates = predict(Source(rgb), codec, PjndJudge(), settings)
            done = finalise(prediction, candidates, Metadata(), settings)
            cpu = time.process_time() - start
            chosen, written = (prediction.ladder[i].setting for i in (prediction.chosen or 0, done.index))
            print(f"{photo.stem[-32:]:32} {mode:6} {chosen:3d} {written:7d} {len(done.data):8d} "
                  f"{done.rejudged!s:>8} {done.probability:6.3f} {cpu:6.1f}", flush=True)


if __name__ == "__main__":
    main()
