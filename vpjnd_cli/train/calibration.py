"""Teacher score -> P(no visible difference): a logistic psychometric function fitted to MCL-JCI.

A teacher gives a distortion d per (picture, level) (higher = more visible). We model
P(no visible difference) = 1 / (1 + exp((d - a) / b)). A picture reaches SUR s at a level when
d <= T(s) = a - b * logit(s), logit(s) = ln(s / (1 - s)). The QF reaching SUR s on one picture is
the lowest QF from which every higher QF stays at or under T(s) (as MCL-JCI's summary defines it),
interpolated linearly in d between labelled levels so that it is continuous in T.

Fit: for each of SUR 50/75/90 %, bisect T(s) so that the mean QF over the calibration pictures
equals MCL-JCI's mean; then a and b are the least-squares line T(s) = a - b * logit(s) through the
three points. Two parameters cannot match three means and three spreads at once; the spreads that
result are reported next to MCL-JCI's, not fitted.

The strict criterion (no visible difference for a careful viewer at 1:1, side by side) has no
human JND study behind it here; its anchor is SSIMULACRA2, fitted to the CID22 study, whose authors
read 90 as "likely impossible to tell from the original at 1:1" and 70 as "high quality".
``fit_to_scores`` bisects T(s) so that the mean SSIMULACRA2 of the files at the QF reaching SUR s
is STRICT_TARGETS[s], then draws the same line: 90 at SUR 75 % (that reading). 85 at 50 % and 93
at 90 % are chosen, not measured (no study gives the spread of careful viewers): a narrower step
above 90 than below it, because the scale saturates toward 100 (identical pictures).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from vpjnd_cli.criteria import CRITERIA
from vpjnd_cli.errors import InputError, os_cause

SURS = (0.50, 0.75, 0.90)
# MCL-JCI over its 50 sources: the QF reaching each SUR, (mean, sd with ddof 1), as mcl_jci_targets reads
# them from the dataset's summary.tsv (the fit matches the means, so rounding them would move every label).
MCL_JCI_TARGETS = {0.50: (26.8, 8.748177652797064), 0.75: (35.18, 10.57083009888967),
                   0.90: (41.54, 11.00873493631122)}
_SUMMARY_COLUMNS = {0.50: "qf_sur50", 0.75: "qf_sur75", 0.90: "qf_sur90"}
STRICT_TARGETS = {0.50: 85.0, 0.75: 90.0, 0.90: 93.0}  # mean SSIMULACRA2 at the QF reaching each SUR


@dataclass(frozen=True)
class Psychometric:
    """P(no visible difference) = 1 / (1 + exp((d - a) / b)) for a teacher distortion d."""

    a: float  # the distortion at which half the viewers see a difference
    b: float  # its spread (> 0)

    def probability(self, distortion: np.ndarray | float) -> np.ndarray:
        z = (np.asarray(distortion, dtype=np.float64) - self.a) / self.b
        return 1.0 / (1.0 + np.exp(np.clip(z, -60, 60)))

    def threshold(self, sur: float) -> float:
        """T(sur): the largest distortion that still reaches ``sur``."""
        return self.a - self.b * math.log(sur / (1.0 - sur))


@dataclass(frozen=True)
class Calibration:
    """The fitted function and how well it reproduces the targets."""

    psychometric: Psychometric
    thresholds: dict[float, float]
    mean_qf: dict[float, float]
    sd_qf: dict[float, float]
    targets: dict[float, tuple[float, float]]  # MCL-JCI's QF (mean, sd) per SUR; empty for "strict"
    pictures: int
    criterion: str = "paper"
    score_targets: dict[float, float] = field(default_factory=dict)  # "strict": SSIMULACRA2 aimed at
    mean_score: dict[float, float] = field(default_factory=dict)  # "strict": SSIMULACRA2 reached

    def to_dict(self) -> dict:
        names = ("thresholds", "mean_qf", "sd_qf", "targets", "score_targets", "mean_score")
        return {
            "psychometric": asdict(self.psychometric),
            "formula": "P = 1 / (1 + exp((d - a) / b))",
            "criterion": self.criterion,
            "pictures": self.pictures,
            **{name: {f"{s:.2f}": v for s, v in getattr(self, name).items()} for name in names},
        }

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        """The inverse of ``to_dict`` (a corpus's calibration.json); KeyError/ValueError/TypeError when malformed."""
        def by_sur(name: str, kind: type = float) -> dict:
            return {float(sur): kind(value) for sur, value in data[name].items()}

        fit = Psychometric(float(data["psychometric"]["a"]), float(data["psychometric"]["b"]))
        if not fit.b > 0:
            raise ValueError("the psychometric spread b must be positive")
        criterion = data.get("criterion", "paper")  # files written before the strict criterion
        if criterion not in CRITERIA:
            raise ValueError(f"unknown criterion {criterion!r}")
        scores = {name: by_sur(name) if name in data else {} for name in ("score_targets", "mean_score")}
        return cls(fit, by_sur("thresholds"), by_sur("mean_qf"), by_sur("sd_qf"), by_sur("targets", tuple),
                   int(data["pictures"]), criterion, **scores)


def mcl_jci_targets(summary: Path | None = None) -> dict[float, tuple[float, float]]:
    """(mean, sd) of the QF reaching SUR 50/75/90 % from an MCL-JCI summary.tsv (columns qf_sur50,
    qf_sur75, qf_sur90), or the built-in values when ``summary`` is None. A file that cannot be
    read, or lacks those columns for two sources at least, is an InputError."""
    if summary is None:
        return dict(MCL_JCI_TARGETS)
    try:
        with summary.open(newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError as error:
        raise InputError(f"cannot read the MCL-JCI summary ({os_cause(error)})", summary) from None
    out = {}
    for sur, column in _SUMMARY_COLUMNS.items():
        try:
            values = np.array([float(row[column]) for row in rows])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"not an MCL-JCI summary.tsv: no numbers in a {column} column", summary) from None
        if values.size < 2:
            raise InputError("an MCL-JCI summary.tsv needs two sources at least", summary)
        out[sur] = (float(values.mean()), float(values.std(ddof=1)))
    return out


def qf_reaching(settings: np.ndarray, distortions: np.ndarray, threshold: float) -> float:
    """The lowest setting from which every higher one has distortion <= threshold (interpolated).

    ``settings`` are the labelled QFs in increasing order, ``distortions`` theirs. When even the
    highest QF fails, that QF is returned; when every QF passes, the lowest.
    """
    failing = np.nonzero(distortions > threshold)[0]
    if failing.size == 0:
        return float(settings[0])
    last_fail = failing[-1]
    if last_fail == len(settings) - 1:
        return float(settings[-1])
    q0, q1 = settings[last_fail], settings[last_fail + 1]
    d0, d1 = distortions[last_fail], distortions[last_fail + 1]
    fraction = (d0 - threshold) / (d0 - d1) if d0 != d1 else 1.0
    return float(q0 + fraction * (q1 - q0))


def _qfs(curves: list[tuple[np.ndarray, np.ndarray]], threshold: float) -> np.ndarray:
    return np.array([qf_reaching(s, d, threshold) for s, d in curves])


def fit_psychometric(
    curves: list[tuple[np.ndarray, np.ndarray]], targets: dict[float, tuple[float, float]]
) -> Calibration:
    """Fit (a, b) so the mean QF reaching each SUR over ``curves`` equals the targets' means.

    ``curves``: per picture, (QFs increasing, teacher distortions at them).
    """
    aims = {sur: mean for sur, (mean, _) in targets.items()}
    psychometric, thresholds = _fit_line(curves, lambda threshold: float(_qfs(curves, threshold).mean()), aims)
    return _calibration(curves, psychometric, thresholds, targets=targets)


def fit_to_scores(
    curves: list[tuple[np.ndarray, np.ndarray]], scores: list[tuple[np.ndarray, np.ndarray]],
    targets: dict[float, float],
) -> Calibration:
    """The strict criterion's fit: (a, b) so that the mean score (SSIMULACRA2) at the QF reaching
    each SUR equals ``targets`` (module docstring).

    ``scores``: per picture as in ``curves``, (QFs increasing, the score at them; higher is closer
    to the original); between them the score is interpolated linearly in QF, beyond them held.
    """
    if len(scores) != len(curves):
        raise ValueError("one score curve per picture is needed")

    def mean_score(threshold: float) -> float:
        reached = _qfs(curves, threshold)
        return float(np.mean([np.interp(q, qfs, values) for q, (qfs, values) in zip(reached, scores, strict=True)]))

    best = mean_score(min(float(d.min()) for _, d in curves) - 1.0)  # every picture at its best level
    unreachable = {sur: aim for sur, aim in targets.items() if aim > best}
    if unreachable:
        raise ValueError(f"even the best level of these pictures scores {best:.1f} on average, under the "
                         f"strict target {max(unreachable.values()):g}")
    psychometric, thresholds = _fit_line(curves, mean_score, targets)
    return _calibration(curves, psychometric, thresholds, targets={}, criterion="strict", score_targets=targets,
                        mean_score={sur: mean_score(psychometric.threshold(sur)) for sur in targets})


def _fit_line(
    curves: list[tuple[np.ndarray, np.ndarray]], measure: Callable[[float], float], aims: dict[float, float]
) -> tuple[Psychometric, dict[float, float]]:
    """Per SUR, the threshold at which ``measure`` (falling as the threshold rises) meets its aim,
    by bisection; then the least-squares line T(s) = a - b * logit(s) through them."""
    if not curves:
        raise ValueError("calibration needs at least one picture")
    low = min(float(d.min()) for _, d in curves) - 1.0
    high = max(float(d.max()) for _, d in curves) + 1.0
    thresholds = {}
    for sur, aim in aims.items():
        lo, hi = low, high
        for _ in range(80):
            middle = 0.5 * (lo + hi)
            if measure(middle) > aim:
                lo = middle
            else:
                hi = middle
        thresholds[sur] = 0.5 * (lo + hi)
    logits = np.array([math.log(s / (1 - s)) for s in thresholds])
    slope, intercept = np.polyfit(logits, np.array(list(thresholds.values())), 1)
    return Psychometric(a=float(intercept), b=float(max(-slope, 1e-6))), thresholds


def _calibration(curves: list[tuple[np.ndarray, np.ndarray]], psychometric: Psychometric,
                 thresholds: dict[float, float], **fields: object) -> Calibration:
    """The record of a fit, with the mean and spread of the QF it reaches at each SUR."""
    achieved = {s: _qfs(curves, psychometric.threshold(s)) for s in thresholds}
    return Calibration(
        psychometric=psychometric,
        thresholds=thresholds,
        mean_qf={s: float(q.mean()) for s, q in achieved.items()},
        sd_qf={s: float(q.std(ddof=1)) if len(q) > 1 else 0.0 for s, q in achieved.items()},
        pictures=len(curves),
        **fields,  # type: ignore[arg-type]
    )
