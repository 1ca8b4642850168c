"""How monotone a judge is along whole ladders (not a test): every level of every held-out picture.

    .venv/bin/python bench/bench_monotone.py CORPUS [--codec jpeg,webp] [--split test] [--kind all]
        [--judge vpjndnet|pjnd] [--weights A.safetensors --weights B.safetensors ...]

For each picture and codec it judges every rung of the 4:2:0 ladder (one batch per 16 levels), then
reports per judge:
- inversions: neighbouring levels where the more distorted one is judged safer by more than 0.05
  ("more distortion is never safer" broken), their count per picture and the largest rise;
- the answer read over every level from the least distorted down (the first failure ends the run)
  against the teacher's answer read the same way from the labels (dataset.pwjnd_index): MAD;
- the block search's answer (what compress returns) against the teacher's: MAD.
Every judge sees the same decoded candidates, so the judges are compared side by side.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.judges import get_judge
from vpjnd_cli.search import block_search, passing_run_end
from vpjnd_cli.train.dataset import pwjnd_index
from vpjnd_cli.train.detect import open_datasets

INVERSION = 0.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--codec", default=None, help="comma-separated codecs (default: every codec of the corpus)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--kind", default="all", choices=("all", "photo", "hard"))
    parser.add_argument("--judge", default="vpjndnet")
    parser.add_argument("--weights", type=Path, action="append", default=None)
    parser.add_argument("--sur", type=float, default=0.75)
    parser.add_argument("--json", type=Path, default=None, help="also write every probability here")
    args = parser.parse_args()
    codecs = None if args.codec is None else args.codec.split(",")
    judges = {str(w): get_judge("vpjndnet", device="cpu", weights=w) for w in args.weights} if args.weights \
        else {args.judge: get_judge(args.judge, device="cpu")}
    dump = {}
    print(f"# bench_monotone {args.corpus} split {args.split} kind {args.kind}, SUR {args.sur}")
    for dataset in open_datasets(args.corpus, codecs=codecs, chroma="420"):
        ladder = dataset.ladder()
        pictures = [p for p in dataset.split(args.split)
                    if args.kind == "all" or (p.kind == "photo") == (args.kind == "photo")]
        stats = {name: {"inversions": [], "largest": 0.0, "all_levels": [], "search": []} for name in judges}
        started = time.perf_counter()
        for info in pictures:
            reference = dataset.reference(info.id)
            jnd = jnd_map(reference, "epc")
            candidates = [dataset.candidate(info.id, i) for i in range(len(ladder))]
            truth = ladder[pwjnd_index(dataset.labels(info.id), args.sur) or 0].setting
            for name, judge in judges.items():
                prepared = judge.prepare(reference, jnd)
                p = np.concatenate([judge.probabilities(prepared, candidates[i : i + 16])
                                    for i in range(0, len(candidates), 16)])
                rises = np.diff(p)
                stats[name]["inversions"].append(int(np.sum(rises > INVERSION)))
                stats[name]["largest"] = max(stats[name]["largest"], float(rises.max(initial=0.0)))
                run_end = passing_run_end(dict(enumerate(p)), args.sur)
                stats[name]["all_levels"].append(abs(ladder[run_end or 0].setting - truth))
                found = block_search(len(ladder), lambda ix, p=p: p[ix], sur=args.sur)
                stats[name]["search"].append(abs(ladder[found.chosen or 0].setting - truth))
                dump.setdefault(dataset.codec_name, {}).setdefault(info.id, {})[name] = [round(float(v), 5) for v in p]
        print(f"\n## {dataset.codec_name}: {len(pictures)} pictures, {len(ladder)} levels each "
              f"({time.perf_counter() - started:.0f} s)")
        print("| judge | inversions > 0.05 (total, per picture) | largest rise | MAD, every level "
              "| MAD, block search |")
        print("|---|---|---|---|---|")
        for name, s in stats.items():
            print(f"| {Path(name).name} | {sum(s['inversions'])}, {np.mean(s['inversions']):.1f} | {s['largest']:.3f} "
                  f"| {np.mean(s['all_levels']):.2f} | {np.mean(s['search']):.2f} |")
    if args.json is not None:
        args.json.write_text(json.dumps(dump))


if __name__ == "__main__":
    main()
