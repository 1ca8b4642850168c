"""How stable a judge's answer is when the picture is mirrored or halved (not a test), beside the
teacher's own answer on the same pictures.

    .venv/bin/python bench/bench_stability.py CORPUS --cache DIR [--codec jpeg] [--split test]
        [--min-width 1280] [--weights A.safetensors ...] [--judge vpjndnet|pjnd] [--pictures-from CODEC]

For each held-out photo picture at least ``--min-width`` wide: the level `compress` would choose
(pipeline.predict, the block search at SUR 0.75) for the picture, its left-right mirror image, and
the picture halved (area filter). The teacher labels the mirrored and halved pictures the way
`vpjnd label` labels a corpus (the same level plan and the corpus's calibration; scores cached in
DIR), and its answer is read as the ground truth is (dataset.pwjnd_index). A judge should move no
more than the teacher does.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions
from vpjnd_cli.judges import get_judge
from vpjnd_cli.pipeline import SearchSettings, predict
from vpjnd_cli.source import Source
from vpjnd_cli.train.calibration import Calibration
from vpjnd_cli.train.corpus import CorpusDataset
from vpjnd_cli.train.dataset import pwjnd_index
from vpjnd_cli.train.labelling import DEFAULT_PLANS, CutPicture, ScoreCache, corpus_codec, label_levels
from vpjnd_cli.train.teachers import get_teacher


def variants(rgb: np.ndarray) -> dict[str, np.ndarray]:
    height, width = rgb.shape[:2]
    return {"picture": rgb, "mirrored": np.ascontiguousarray(rgb[:, ::-1]),
            "halved": cv2.resize(rgb, (width // 2, height // 2), interpolation=cv2.INTER_AREA)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--cache", type=Path, required=True, help="folder for the teacher's scores of the variants")
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("--pictures-from", metavar="CODEC",
                        help="the corpus view whose pictures to use (default: --codec's): the teacher labels every "
                        "variant anew, so a corpus labelled for another codec serves")
    parser.add_argument("--split", default="test")
    parser.add_argument("--min-width", type=int, default=1280)
    parser.add_argument("--judge", default="vpjndnet")
    parser.add_argument("--weights", type=Path, action="append", default=None)
    args = parser.parse_args()
    dataset = CorpusDataset(args.corpus, args.pictures_from or args.codec)
    calibration = Calibration.from_dict(json.loads((args.corpus / "calibration.json").read_text()))
    teacher = get_teacher(dataset.rows[0].teacher)
    (args.cache / "pictures").mkdir(parents=True, exist_ok=True)
    scores = ScoreCache(args.cache, teacher, corpus_codec(args.codec, "420"), jobs=2)
    codec = get_codec(args.codec, CodecOptions(bpg_backend="builtin"))
    ladder = codec.levels()
    judges = {Path(w).name: get_judge("vpjndnet", device="cpu", weights=w) for w in args.weights} if args.weights \
        else {args.judge: get_judge(args.judge, device="cpu")}
    pictures = [p for p in dataset.split(args.split) if p.kind == "photo"
                and dataset.reference(p.id).shape[1] >= args.min_width]
    rows = []
    started = time.perf_counter()
    for info in pictures:
        answers: dict[str, dict[str, int]] = {"teacher": {}}
        probabilities: dict[str, dict[str, dict[int, float]]] = {}
        for variant, rgb in variants(dataset.reference(info.id)).items():
            cut = CutPicture(f"{info.id}-{variant}", info.source, rgb)
            labelled = label_levels(scores, cut, DEFAULT_PLANS[args.codec], calibration)
            labels = {i: float(calibration.psychometric.probability(d)) for i, d in labelled.items()}
            answers["teacher"][variant] = ladder[pwjnd_index(labels, 0.75) or 0].setting
            for name, judge in judges.items():
                prediction, _ = predict(Source(rgb), codec, judge, SearchSettings())
                answers.setdefault(name, {})[variant] = ladder[prediction.chosen or 0].setting
                probabilities.setdefault(name, {})[variant] = prediction.probabilities
        shifts = {name: (abs(a["mirrored"] - a["picture"]), abs(a["halved"] - a["picture"]))
                  for name, a in answers.items()}
        flip_p = {name: max((abs(p["picture"][i] - p["mirrored"][i]) for i in set(p["picture"]) & set(p["mirrored"])),
                            default=0.0) for name, p in probabilities.items()}
        rows.append((info.id, answers, shifts, flip_p))
        print(f"{info.id}: " + "; ".join(f"{name} {a['picture']}/{a['mirrored']}/{a['halved']}"
                                         for name, a in answers.items()), flush=True)
    print(f"\n# {args.codec}, {len(rows)} pictures (split {args.split}, width >= {args.min_width}); "
          f"{time.perf_counter() - started:.0f} s")
    print("| answer from | mirrored: mean / largest shift | halved: mean / largest shift "
          "| largest P change, mirrored |")
    print("|---|---|---|---|")
    for name in ["teacher", *judges]:
        mirror = [r[2][name][0] for r in rows]
        halved = [r[2][name][1] for r in rows]
        p_change = "-" if name == "teacher" else f"{max(r[3][name] for r in rows):.3f}"
        print(f"| {name} | {np.mean(mirror):.2f} / {max(mirror)} | {np.mean(halved):.2f} / {max(halved)} "
              f"| {p_change} |")


if __name__ == "__main__":
    main()
