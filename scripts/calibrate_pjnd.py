#!/usr/bin/env python3
"""Fit the weight-free pjnd judge (s, theta, beta) to the MCL-JCI human statistics.

For 1920x1080 pictures cut from real photos, every JPEG 4:2:0 quality factor 1..100 is encoded
and the share of pixels with |dY| > s x JND (EPC) is measured. For each candidate s, the share
threshold tau reaching each satisfied-user ratio is found so that the mean chosen QF (the lowest
QF from which every higher QF stays under tau) equals MCL-JCI's: SUR 50 % -> 26.8, 75 % -> 35.2,
90 % -> 41.5 (MCL-JCI's means over its 50 sources, to one decimal). A Weibull psychometric function
P = exp(-(share/theta)^beta) is fitted through the three (tau, SUR) points. The s whose SUR-75 %
spread of QFs is closest to MCL-JCI's (sd 10.6) is kept.

Usage: .venv/bin/python scripts/calibrate_pjnd.py PHOTO_DIR [--count 24] [--write]
       .venv/bin/python scripts/calibrate_pjnd.py PHOTO_DIR --verify [--skip 24 --count 8]
(PHOTO_DIR: a folder of photos of at least 1920x1080.)
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import Level
from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.resize import cover_and_crop
from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.judges.pjnd import PARAMS_FILE, PjndJudge, luma, visible_share
from vpjnd_cli.pipeline import SearchSettings, predict

PARAMS_PATH = Path(__file__).resolve().parents[1] / "vpjnd_cli" / "judges" / PARAMS_FILE  # the source tree's
TARGETS = {0.50: 26.8, 0.75: 35.2, 0.90: 41.5}  # MCL-JCI mean QF reaching each SUR
TARGET_SD_75 = 10.6
SCALES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5)
QUALITIES = np.arange(1, 101)


def pictures(folder: Path, count: int) -> list[tuple[str, np.ndarray]]:
    """The first ``count`` photos (sorted by path) large enough for a 1920x1080 cut."""
    chosen = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        picture = load_image(path)
        if picture.width >= 1920 and picture.height >= 1080:
            chosen.append((str(path.relative_to(folder)), cover_and_crop(picture.rgb, 1920, 1080)))
        if len(chosen) == count:
            break
    return chosen


def share_curves(rgb: np.ndarray) -> np.ndarray:
    """shares[s_index, qf - 1]: visible-pixel share for every scale and quality factor."""
    codec = get_codec("jpeg")
    reference = luma(rgb)
    jnd = jnd_map(rgb)
    thresholds = [(scale * jnd).astype(np.float32) for scale in SCALES]
    shares = np.empty((len(SCALES), len(QUALITIES)))
    for column, quality in enumerate(QUALITIES):
        decoded = codec.decode(codec.encode(rgb, Level(int(quality), "420")))
        for row, threshold in enumerate(thresholds):
            shares[row, column] = visible_share(reference, threshold, decoded)
    return shares


def chosen_qf(curve: np.ndarray, tau: float) -> int:
    """The lowest QF from which every higher QF keeps the share at or under tau (100 if none)."""
    failing = np.nonzero(curve > tau)[0]
    return 1 if failing.size == 0 else int(min(QUALITIES[failing[-1]] + 1, 100))


def threshold_for_mean(curves: np.ndarray, target: float) -> tuple[float, np.ndarray]:
    """Bisect tau (log scale) so that the mean chosen QF over pictures equals ``target``."""
    low, high = 1e-7, 1.0  # mean QF falls as tau rises
    for _ in range(60):
        middle = float(np.sqrt(low * high))
        if np.mean([chosen_qf(curve, middle) for curve in curves]) > target:
            low = middle
        else:
            high = middle
    tau = float(np.sqrt(low * high))
    return tau, np.array([chosen_qf(curve, tau) for curve in curves])


def fit_weibull(taus: dict[float, float]) -> tuple[float, float, float]:
    """theta, beta and the worst |ln(-ln SUR)| residual of P = exp(-(tau/theta)^beta).

    beta is the least-squares slope through the three points; theta then puts the curve exactly
    through the SUR-75 % point, the default target, so that its mean QF is matched exactly.
    """
    x = np.log(list(taus.values()))
    y = np.log(-np.log(list(taus.keys())))
    beta = float(np.polyfit(x, y, 1)[0])
    theta = float(taus[0.75] / (-np.log(0.75)) ** (1.0 / beta))
    residual = float(np.max(np.abs(beta * (x - np.log(theta)) - y)))
    return theta, beta, residual


def verify(chosen: list[tuple[str, np.ndarray]]) -> int:
    """The QF the real search (pipeline.predict, block size 8) picks with the shipped parameters."""
    codec, judge = get_codec("jpeg"), PjndJudge()
    for sur, target in TARGETS.items():
        qfs = []
        for _, rgb in chosen:
            prediction, _ = predict(rgb, codec, judge, SearchSettings(sur=sur))
            qfs.append(100 if prediction.level is None else prediction.level.setting)
        print(f"SUR {sur:.0%}: mean QF {np.mean(qfs):.1f} (MCL-JCI {target}), sd {np.std(qfs):.1f}, "
              f"range {min(qfs)}..{max(qfs)} over {len(qfs)} pictures")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path)
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--write", action="store_true", help=f"write the fit to {PARAMS_PATH}")
    parser.add_argument("--skip", type=int, default=0, help="skip the first N eligible photos (held-out checks)")
    parser.add_argument("--verify", action="store_true", help="run the shipped judge's block search instead")
    args = parser.parse_args()
    started = time.perf_counter()
    chosen = pictures(args.photos, args.count + args.skip)[args.skip :]
    if args.verify:
        return verify(chosen)
    print(f"{len(chosen)} pictures of 1920x1080", file=sys.stderr)
    curves = np.stack([share_curves(rgb) for _, rgb in chosen])  # [picture, scale, qf]
    candidates = []
    for row, scale in enumerate(SCALES):
        fits = {sur: threshold_for_mean(curves[:, row], target) for sur, target in TARGETS.items()}
        taus = {sur: tau for sur, (tau, _) in fits.items()}
        theta, beta, residual = fit_weibull(taus)
        qfs = {sur: qf for sur, (_, qf) in fits.items()}
        spread = float(np.std(qfs[0.75]))
        print(
            f"s={scale:<5} tau50={taus[0.5]:.5f} tau75={taus[0.75]:.5f} tau90={taus[0.9]:.5f} "
            f"theta={theta:.5f} beta={beta:.3f} fit-residual={residual:.3f} "
            + " ".join(f"QF{int(s * 100)}={np.mean(q):.1f}±{np.std(q):.1f}" for s, q in qfs.items()),
            file=sys.stderr,
        )
        candidates.append((abs(spread - TARGET_SD_75), scale, theta, beta, residual, taus, qfs))
    _, scale, theta, beta, residual, taus, qfs = min(candidates, key=lambda c: c[0])
    result = {
        "scale": scale,
        "theta": theta,
        "beta": beta,
        "fit": {
            "targets_mean_qf": {str(s): t for s, t in TARGETS.items()},
            "share_threshold": {str(s): t for s, t in taus.items()},
            "mean_qf": {str(s): float(np.mean(q)) for s, q in qfs.items()},
            "sd_qf": {str(s): float(np.std(q)) for s, q in qfs.items()},
            "weibull_residual": residual,
        },
        "provenance": {
            # the photo folder is this machine's; the pictures below name the photos within it
            "command": "python scripts/calibrate_pjnd.py PHOTO_DIR "
                       + " ".join(arg for arg in sys.argv[1:] if Path(arg) != args.photos),
            "pictures": [name for name, _ in chosen],
            "jnd_model": "epc",
            "codec": "jpeg 4:2:0, QF 1..100",
            "date": datetime.date.today().isoformat(),
            "machine": f"{platform.machine()} {platform.processor() or ''} {platform.python_version()}".strip(),
            "seconds": round(time.perf_counter() - started, 1),
        },
    }
    print(json.dumps(result, indent=2))
    if args.write:
        PARAMS_PATH.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
