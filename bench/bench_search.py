"""The spread search against the paper's block search on a labelled corpus's held-out pictures (not a test).

    .venv/bin/python bench/bench_search.py CORPUS [--codec jpeg,webp] [--split test] [--judge vpjndnet]

Every 4:2:0 ladder level of every picture is judged once (bench_judges.judged); both searches then
read those probabilities, as `compress` would judge them (a level's probability does not depend on
the others judged with it). Per codec, photos and generated hard pictures apart: the mean number of
evaluations and batches per picture for each search, how often the spread search chooses the block
search's level, how often each chooses the exhaustive answer (every level judged, read the same
monotone way: the end of the passing run from the least distorted level), and both searches' MAD
against the labels' PW-JND (the teacher's level), in the codec's units.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from bench_judges import judged

from vpjnd_cli.judges import default_judge, get_judge
from vpjnd_cli.search import SEARCHES, SearchResult, passing_run_end, run_search
from vpjnd_cli.train.dataset import pwjnd_index
from vpjnd_cli.train.detect import open_datasets

SUR = 0.75


@dataclass
class Row:
    """One picture: the labels' level and each search's answer and cost."""

    picture: str
    kind: str
    true_setting: int
    found: dict[str, SearchResult]
    exhaustive: int | None  # the ladder index every level's probabilities give


def searched(probabilities: np.ndarray) -> dict[str, SearchResult]:
    return {name: run_search(name, len(probabilities), lambda ix: probabilities[ix], sur=SUR, block_size=8)
            for name in SEARCHES}


def line(rows: list[Row], setting: list[int], subset: str) -> str:
    def chosen(row: Row, name: str) -> int:
        return setting[row.found[name].chosen or 0]

    cells = [subset, str(len(rows))]
    for name in ("block", "spread"):
        results = [row.found[name] for row in rows]
        cells += [f"{np.mean([r.evaluations for r in results]):.1f} (max {max(r.evaluations for r in results)})",
                  f"{np.mean([r.batches for r in results]):.2f} (max {max(r.batches for r in results)})",
                  f"{np.mean([abs(chosen(row, name) - row.true_setting) for row in rows]):.2f}"]
    same = sum(row.found["spread"].chosen == row.found["block"].chosen for row in rows)
    cells.append(f"{same}/{len(rows)} = {same / len(rows):.1%}")
    for name in ("block", "spread"):
        exact = sum(row.found[name].chosen == row.exhaustive for row in rows)
        cells.append(f"{exact}/{len(rows)} = {exact / len(rows):.1%}")
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--codec", default=None, help="comma-separated codecs (default: every codec of the corpus)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--judge", default=None, help="vpjndnet or pjnd (default: compress's default for the codec)")
    args = parser.parse_args()
    print(f"# bench_search {args.corpus}, split {args.split}, SUR {SUR}")
    codecs = None if args.codec is None else args.codec.split(",")
    for dataset in open_datasets(args.corpus, codecs=codecs, chroma="420"):
        started = time.perf_counter()
        name = args.judge or default_judge([dataset.codec_name])
        judge = get_judge(name, device="cpu").for_codec(dataset.codec_name)
        ladder = dataset.ladder()
        setting = [level.setting for level in ladder]
        rows = []
        for info in dataset.split(args.split):
            candidates = [dataset.candidate(info.id, i) for i in range(len(ladder))]
            truth = pwjnd_index(dataset.labels(info.id), SUR) or 0
            probabilities = judged(judge, dataset.reference(info.id), candidates)
            exhaustive = passing_run_end(dict(enumerate(probabilities.tolist())), SUR)
            rows.append(Row(info.id, info.kind, setting[truth], searched(probabilities), exhaustive))
        seconds = time.perf_counter() - started
        print(f"\n## {dataset.codec_name} ({len(ladder)} levels), judge {name} ({seconds:.0f} s)\n")
        print("| pictures | n | block: evaluations | block: batches | block: MAD | spread: evaluations | "
              "spread: batches | spread: MAD | spread chooses block's level | block = exhaustive | "
              "spread = exhaustive |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for subset, chosen_rows in (("photos", [r for r in rows if r.kind == "photo"]),
                                    ("hard", [r for r in rows if r.kind != "photo"]), ("all", rows)):
            if chosen_rows:
                print(line(chosen_rows, setting, subset))
        differing = [f"{r.picture} ({setting[r.found['block'].chosen or 0]} -> "
                     f"{setting[r.found['spread'].chosen or 0]})"
                     for r in rows if r.found["spread"].chosen != r.found["block"].chosen]
        print("\ndiffering: " + (", ".join(differing) or "none"))
        inexact = [f"{r.picture} (every level: {setting[r.exhaustive or 0]}, "
                   f"spread {setting[r.found['spread'].chosen or 0]})"
                   for r in rows if r.found["spread"].chosen != r.exhaustive]
        print("\nspread != exhaustive: " + (", ".join(inexact) or "none"), flush=True)


if __name__ == "__main__":
    main()
