#!/usr/bin/env python3
"""Fit the weight-free pjnd judge (s, theta, beta and its peak guard) on a labelled corpus.

For every labelled (picture, codec, level) of the corpus's training split (every codec and
chroma sampling it holds), the candidate is decoded and two things are measured: the share of
pixels with |dY| > s x JND (EPC) for each candidate s, and the luma-error peak of the whole picture
(model/peak.py). For each s, the four parameters of

    P = exp(-(share / theta) ** beta) x exp(-(peak / peak_threshold) ** peak_exponent)

are fitted by maximum likelihood to the corpus's labels (the calibrated teacher's probabilities,
which stand on MCL-JCI's human statistics), and the s with the lowest training BCE is kept. The
validation split is scored with the fit, never fitted on.

Usage: .venv/bin/python scripts/calibrate_pjnd.py CORPUS [--codec jpeg,webp] [--write]
(CORPUS: built by `vpjnd label`.)
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.judges.pjnd import PARAMS_FILE, PjndParams, luma, visible_share
from vpjnd_cli.model.peak import LumaPeak
from vpjnd_cli.train.corpus import corpus_views
from vpjnd_cli.train.evaluation import PairScores

SCALES = (0.5, 0.75, 1.0, 1.5, 2.0)
SUR = 0.75


@dataclass
class Pairs:
    """Per labelled pair: the share at every scale, the peak, the label and the codec view."""

    shares: np.ndarray  # [scale, pair]
    peaks: np.ndarray
    labels: np.ndarray
    views: list[str]


def measure(corpus: Path, split: str, codecs: list[str] | None) -> Pairs:
    peak = LumaPeak()
    shares, peaks, labels, views = [], [], [], []
    for view in corpus_views(corpus, codecs):
        for info in view.split(split):
            rgb = view.reference(info.id)
            jnd = jnd_map(rgb, "epc")
            reference_luma, peak_luma = luma(rgb), peak.reference(rgb)
            thresholds = [(s * jnd).astype(np.float32) for s in SCALES]
            for index, label in view.labels(info.id).items():
                candidate = view.candidate(info.id, index)
                shares.append([visible_share(reference_luma, t, candidate) for t in thresholds])
                peaks.append(float(peak.peaks(peak_luma, [candidate])[0]))
                labels.append(label)
                views.append(view.name)
    return Pairs(np.array(shares).T, np.array(peaks), np.array(labels), views)


def fit(shares: np.ndarray, peaks: np.ndarray, labels: np.ndarray) -> tuple[PjndParams, float]:
    """theta, beta, peak_threshold and peak_exponent by maximum likelihood (L-BFGS in log space)."""
    share = torch.tensor(np.maximum(shares, 1e-9), dtype=torch.float64)
    peak = torch.tensor(np.maximum(peaks, 1e-9), dtype=torch.float64)
    target = torch.tensor(labels, dtype=torch.float64)
    start = [np.log(max(np.median(shares), 1e-4)), np.log(2.0), np.log(max(np.median(peaks), 1e-4)), np.log(4.0)]
    logs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([logs], max_iter=500, tolerance_grad=1e-10, tolerance_change=1e-12,
                                  line_search_fn="strong_wolfe")

    def bce() -> torch.Tensor:
        theta, beta, threshold, exponent = logs.exp()
        p = (-(share / theta) ** beta - (peak / threshold) ** exponent).exp().clamp(1e-9, 1 - 1e-9)
        return -(target * p.log() + (1 - target) * (1 - p).log()).mean()

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        value = bce()
        value.backward()
        return value

    optimiser.step(closure)
    theta, beta, threshold, exponent = (float(v) for v in logs.detach().exp())
    with torch.no_grad():
        return PjndParams(1.0, theta, beta, threshold, exponent), float(bce())


def report(name: str, pairs: Pairs, row: int, params: PjndParams) -> dict[str, float]:
    scores = PairScores(pairs.labels, params.probability(pairs.shares[row], pairs.peaks))
    out = {"bce": scores.bce(), "agreement": scores.accuracy(SUR)}
    for view in dict.fromkeys(pairs.views):
        mask = np.array([v == view for v in pairs.views])
        out[f"agreement {view}"] = PairScores(scores.labels[mask], scores.probabilities[mask]).accuracy(SUR)
    print(f"{name}: " + ", ".join(f"{k} {v:.4f}" for k, v in out.items()), file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--codec", default=None, help="comma-separated codecs (default: all the corpus holds)")
    parser.add_argument("--write", action="store_true", help=f"write the fit to the package's {PARAMS_FILE}")
    args = parser.parse_args()
    started = time.perf_counter()
    codecs = None if args.codec is None else args.codec.split(",")
    train, val = measure(args.corpus, "train", codecs), measure(args.corpus, "val", codecs)
    print(f"{train.labels.size} training pairs, {val.labels.size} validation pairs", file=sys.stderr)
    fits = []
    for row, scale in enumerate(SCALES):
        params, loss = fit(train.shares[row], train.peaks, train.labels)
        print(f"s={scale}: theta {params.theta:.5f} beta {params.beta:.3f} peak threshold "
              f"{params.peak_threshold:.5f} exponent {params.peak_exponent:.3f}, training BCE {loss:.4f}",
              file=sys.stderr)
        fits.append((loss, row, scale, params))
    _, row, scale, params = min(fits, key=lambda f: f[0])
    chosen = PjndParams(scale, params.theta, params.beta, params.peak_threshold, params.peak_exponent)
    result = {
        "scale": scale, "theta": chosen.theta, "beta": chosen.beta,
        "peak_threshold": chosen.peak_threshold, "peak_exponent": chosen.peak_exponent,
        "fit": {"train": report("train", train, row, chosen), "val": report("val", val, row, chosen),
                "pairs": {"train": int(train.labels.size), "val": int(val.labels.size)}},
        "provenance": {
            "command": "python scripts/calibrate_pjnd.py " + " ".join(sys.argv[1:]),
            "corpus": args.corpus.name,
            "codecs": list(dict.fromkeys(train.views)),
            "jnd_model": "epc",
            "date": datetime.date.today().isoformat(),
            "machine": f"{platform.machine()} {platform.python_version()}",
            "seconds": round(time.perf_counter() - started, 1),
        },
    }
    print(json.dumps(result, indent=2))
    if args.write:
        target = Path(str(resources.files("vpjnd_cli.judges").joinpath(PARAMS_FILE)))  # a source checkout's file
        target.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
