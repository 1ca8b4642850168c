"""Judges side by side on every level of every held-out picture of a corpus (not a test).

    .venv/bin/python bench/bench_judges.py CORPUS [CORPUS ...] [--codec jpeg,webp] [--chroma 444] [--split test]
        [--judge pjnd] [--weights A.safetensors ...] [--teacher butteraugli] [--json OUT.json]

Several corpora pool their pictures per codec: a corpus and more held-out photos labelled with
its calibration (`vpjnd label PHOTOS -o HELD-OUT --calibration CORPUS/calibration.json --split test`).

Each picture's candidates are encoded and decoded once, at every rung of the codec's ladder (4:2:0,
or 4:4:4 with ``--chroma 444``), and every judge scores all of them (one batch per 16 levels).
That is enough to measure, per judge:

- what `vpjnd evaluate` measures: pair agreement with the labels at SUR 0.75, and the block search's
  answer (search.block_search over the same probabilities, as `compress` would search: a level's
  probability does not depend on the others judged with it) against the labels' PW-JND: MAD, in the
  codec's units and as a share of the ladder, with 95 % bootstrap intervals over the pictures;
- with ``--teacher``, the teacher's score of each answer's candidate (from the corpus's labels and
  score cache when it has one, else scored and added to the cache): the mean over the pictures, and
  the worst one, on the photos and on the generated hard pictures (the guard set) apart;
- monotonicity: neighbouring levels where the more distorted one is judged safer by more than
  0.05 ("inversions"), and the answer read over every level from the least distorted down against
  the labels' (both read the same way: the first failure ends the passing run).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.judges import get_judge
from vpjnd_cli.judges.base import Judge
from vpjnd_cli.judges.pjnd import PjndJudge, PjndParams
from vpjnd_cli.search import block_search, passing_run_end
from vpjnd_cli.train.corpus import CorpusDataset
from vpjnd_cli.train.dataset import pwjnd_index
from vpjnd_cli.train.detect import open_datasets
from vpjnd_cli.train.evaluation import bootstrap_intervals
from vpjnd_cli.train.labelling import CutPicture, ScoreCache, corpus_codec
from vpjnd_cli.train.teachers import Teacher, get_teacher

INVERSION = 0.05
SUR = 0.75


@dataclass
class Row:
    """One picture under one judge."""

    picture: str
    kind: str
    pairs: int
    agreeing: int
    true_setting: int
    chosen_setting: int
    every_level_setting: int
    inversions: int
    largest_rise: float
    teacher: float | None = None


@dataclass
class Tally:
    rows: list[Row] = field(default_factory=list)


def judged(judge: Judge, reference: np.ndarray, candidates: list[np.ndarray]) -> np.ndarray:
    prepared = judge.prepare(reference, jnd_map(reference, "epc"))
    batches = [judge.probabilities(prepared, candidates[i : i + 16]) for i in range(0, len(candidates), 16)]
    return np.concatenate(batches)


def teacher_score(dataset: CorpusDataset, scores: ScoreCache | None, picture: str, index: int) -> float | None:
    if scores is None:
        return None
    labelled = dataset.distortion(picture, index, scores.teacher.name)
    if labelled is not None:
        return labelled
    cut = CutPicture(picture, picture, dataset.reference(picture))
    return scores.scores(cut, [index])[index]


def measure(dataset: CorpusDataset, judges: dict[str, Judge], split: str, teacher: Teacher | None) -> dict[str, Tally]:
    ladder = dataset.ladder()
    setting = [level.setting for level in ladder]
    scores = None if teacher is None else ScoreCache(dataset.root, teacher,
                                                     corpus_codec(dataset.codec_name, dataset.chroma), 2)
    tallies = {name: Tally() for name in judges}
    for info in dataset.split(split):
        reference = dataset.reference(info.id)
        candidates = [dataset.candidate(info.id, i) for i in range(len(ladder))]
        labels = dataset.labels(info.id)
        truth = pwjnd_index(labels, SUR) or 0
        labelled = sorted(labels)
        for name, judge in judges.items():
            p = judged(judge.for_codec(dataset.codec_name), reference, candidates)
            chosen = block_search(len(ladder), lambda ix, p=p: p[ix], sur=SUR).chosen or 0
            rises = np.diff(p)
            tallies[name].rows.append(Row(
                info.id, info.kind, len(labelled),
                int(sum((labels[i] >= SUR) == (p[i] >= SUR) for i in labelled)),
                setting[truth], setting[chosen], setting[passing_run_end(dict(enumerate(p)), SUR) or 0],
                int(np.sum(rises > INVERSION)), float(rises.max(initial=0.0)),
                teacher_score(dataset, scores, info.id, chosen)))
        print(f"  {info.id}: truth {setting[truth]}; " + ", ".join(
            f"{Path(name).name} {t.rows[-1].chosen_setting}" for name, t in tallies.items()), flush=True)
    return tallies


def summary(rows: list[Row], ladder_length: int) -> str:
    correct = np.array([r.agreeing for r in rows], float)
    pairs = np.array([r.pairs for r in rows], float)
    errors = np.array([abs(r.chosen_setting - r.true_setting) for r in rows], float)
    intervals = bootstrap_intervals(correct, pairs, errors, np.array([r.chosen_setting for r in rows], float))
    accuracy, mad = intervals["pair_accuracy"], intervals["mad"]
    teacher = [r.teacher for r in rows if r.teacher is not None]
    worst = max((r for r in rows if r.teacher is not None), key=lambda r: r.teacher, default=None)
    every = np.mean([abs(r.every_level_setting - r.true_setting) for r in rows])
    return (f"{len(rows)} | {correct.sum() / pairs.sum():.1%} ({accuracy[0]:.1%}-{accuracy[1]:.1%}) | "
            f"{errors.mean():.2f} ({mad[0]:.2f}-{mad[1]:.2f}) = {100 * errors.mean() / ladder_length:.1f} % | "
            + (f"{np.mean(teacher):.2f} | {worst.teacher:.2f} ({worst.picture} at {worst.chosen_setting}) | "
               if worst else "- | - | ")
            + f"{sum(r.inversions for r in rows)} ({max(r.largest_rise for r in rows):.2f}) | {every:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, nargs="+", help="labelled corpora, their pictures pooled per codec")
    parser.add_argument("--codec", default=None, help="comma-separated codecs (default: every codec of the corpora)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--chroma", default="420", choices=("420", "444"), help="the view's chroma sampling")
    parser.add_argument("--judge", action="append", default=[],
                        help="a judge by name (pjnd, or vpjndnet: the installed weights)")
    parser.add_argument("--weights", type=Path, action="append", default=[], help="a vpjndnet weights file")
    parser.add_argument("--pjnd-params", type=Path, action="append", default=[],
                        help="a pjnd judge with these parameters (a pjnd_params.json)")
    parser.add_argument("--teacher", default=None, help="score each answer with this teacher (butteraugli)")
    parser.add_argument("--json", type=Path, default=None, help="also write every row here")
    args = parser.parse_args()
    judges: dict[str, Judge] = {name: get_judge(name, device="cpu") for name in args.judge}
    judges |= {str(w): get_judge("vpjndnet", device="cpu", weights=w) for w in args.weights}
    judges |= {f"pjnd {p}": PjndJudge(PjndParams.from_json(p.read_text())) for p in args.pjnd_params}
    teacher = None if args.teacher is None else get_teacher(args.teacher)
    dump = {}
    print(f"# bench_judges {' '.join(map(str, args.corpus))}, split {args.split}, SUR {SUR}")
    codecs = None if args.codec is None else args.codec.split(",")
    by_codec: dict[str, list[CorpusDataset]] = {}
    for corpus in args.corpus:
        for dataset in open_datasets(corpus, codecs=codecs, chroma=args.chroma):
            by_codec.setdefault(dataset.codec_name, []).append(dataset)
    for codec, datasets in by_codec.items():
        started = time.perf_counter()
        print(f"\n## {codec}", flush=True)
        tallies = {name: Tally() for name in judges}
        for dataset in datasets:
            for name, tally in measure(dataset, judges, args.split, teacher).items():
                tallies[name].rows += tally.rows
        print(f"({time.perf_counter() - started:.0f} s)\n")
        print("| judge | pictures | pair agreement (95 %) | MAD (95 %) = share of the ladder | teacher, mean | "
              "teacher, worst | inversions > 0.05 (largest rise) | MAD, every level |")
        print("|---|---|---|---|---|---|---|---|")
        for name, tally in tallies.items():
            for subset, rows in (("photos", [r for r in tally.rows if r.kind == "photo"]),
                                 ("hard", [r for r in tally.rows if r.kind != "photo"]), ("all", tally.rows)):
                if rows:
                    print(f"| {Path(name).name}, {subset} | {summary(rows, len(datasets[0].ladder()))} |")
            dump.setdefault(codec, {})[name] = [row.__dict__ for row in tally.rows]
    if args.json is not None:
        args.json.write_text(json.dumps(dump, indent=1))


if __name__ == "__main__":
    main()
