"""The psychometric fit recovers known parameters; MCL-JCI's statistics are read from summary.tsv."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import SHARED

from vpjnd_cli.errors import InputError
from vpjnd_cli.train.calibration import (
    MCL_JCI_TARGETS,
    Calibration,
    Psychometric,
    fit_psychometric,
    fit_to_scores,
    mcl_jci_targets,
    qf_reaching,
)

QFS = np.arange(5.0, 101.0, 5.0)


def synthetic_curves(count: int = 40) -> list[tuple[np.ndarray, np.ndarray]]:
    """Teacher distortions falling with QF, at a per-picture 'difficulty' (seeded)."""
    rng = np.random.default_rng(1)
    return [(QFS, rng.uniform(0.5, 2.0) * 60.0 / QFS + rng.normal(0, 0.02, QFS.size)) for _ in range(count)]


def mean_qf(curves, truth: Psychometric, sur: float) -> float:
    return float(np.mean([qf_reaching(s, d, truth.threshold(sur)) for s, d in curves]))


def test_fit_recovers_the_generating_psychometric_function():
    curves = synthetic_curves()
    truth = Psychometric(a=2.4, b=0.35)
    targets = {sur: (mean_qf(curves, truth, sur), 10.0) for sur in (0.5, 0.75, 0.9)}
    fitted = fit_psychometric(curves, targets)
    assert fitted.psychometric.a == pytest.approx(truth.a, rel=0.02)
    assert fitted.psychometric.b == pytest.approx(truth.b, rel=0.05)
    for sur, (mean, _) in targets.items():
        assert fitted.mean_qf[sur] == pytest.approx(mean, abs=0.3)


def test_probability_and_threshold_agree():
    curve = Psychometric(a=2.0, b=0.5)
    for sur in (0.5, 0.75, 0.9):
        assert curve.probability(curve.threshold(sur)) == pytest.approx(sur)
    assert curve.probability(0.0) > curve.probability(4.0)  # more distortion, fewer satisfied viewers


def test_qf_reaching_interpolates_between_labelled_levels():
    settings = np.array([10.0, 20.0, 30.0])
    distortions = np.array([3.0, 2.0, 1.0])
    assert qf_reaching(settings, distortions, 1.5) == pytest.approx(25.0)
    assert qf_reaching(settings, distortions, 5.0) == 10.0  # every level passes
    assert qf_reaching(settings, distortions, 0.5) == 30.0  # even the best fails


def test_targets_are_built_in_unless_a_summary_is_named(tmp_path):
    assert mcl_jci_targets() == MCL_JCI_TARGETS
    summary = tmp_path / "summary.tsv"
    summary.write_text("source\tqf_sur50\tqf_sur75\tqf_sur90\nA\t20\t30\t40\nB\t30\t40\t44\n")
    assert mcl_jci_targets(summary) == {0.5: (25.0, 50**0.5), 0.75: (35.0, 50**0.5), 0.9: (42.0, 8**0.5)}
    with pytest.raises(InputError, match="cannot read"):
        mcl_jci_targets(tmp_path / "absent.tsv")
    summary.write_text("source\tmean_jnd_qf\nA\t20\n")
    with pytest.raises(InputError, match="qf_sur50"):
        mcl_jci_targets(summary)


def test_the_built_in_targets_are_exactly_mcl_jci_summary():
    """The fit matches the means exactly, so rounded built-in values would move every label."""
    summary = SHARED / "data" / "mcl-jci" / "summary.tsv"
    if not summary.is_file():
        pytest.skip("no ../shared")
    assert mcl_jci_targets(summary) == MCL_JCI_TARGETS


def test_the_strict_fit_reaches_its_score_targets_and_its_record_reads_back():
    curves = synthetic_curves()
    scores = [(qfs, 100.0 - 25.0 * distortions) for qfs, distortions in curves]  # a score falling with distortion
    truth = Psychometric(a=1.0, b=0.2)

    def mean_score(sur: float) -> float:
        reached = [qf_reaching(s, d, truth.threshold(sur)) for s, d in curves]
        return float(np.mean([np.interp(q, qfs, values) for q, (qfs, values) in zip(reached, scores, strict=True)]))

    targets = {sur: mean_score(sur) for sur in (0.5, 0.75, 0.9)}
    fitted = fit_to_scores(curves, scores, targets)
    assert fitted.criterion == "strict" and fitted.targets == {} and fitted.score_targets == targets
    assert fitted.psychometric.a == pytest.approx(truth.a, rel=0.02)
    assert fitted.psychometric.b == pytest.approx(truth.b, rel=0.05)
    for sur, aim in targets.items():
        assert fitted.mean_score[sur] == pytest.approx(aim, abs=0.3)
    assert Calibration.from_dict(fitted.to_dict()) == fitted
    paper = fit_psychometric(curves, {0.5: (30.0, 5.0), 0.75: (40.0, 5.0), 0.9: (50.0, 5.0)}).to_dict()
    del paper["criterion"], paper["score_targets"], paper["mean_score"]  # as files written before strict
    assert Calibration.from_dict(paper).criterion == "paper"
