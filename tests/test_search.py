"""The binary block search, with synthetic judges whose true boundary is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vpjnd_cli.search import block_search, level_budget


class Judge:
    """Counts calls and levels, and refuses to be asked twice about one level."""

    def __init__(self, probability):
        self.probability = probability
        self.calls: list[list[int]] = []

    def __call__(self, levels: list[int]) -> list[float]:
        seen = {level for call in self.calls for level in call}
        assert not seen & set(levels), "a level was evaluated twice"
        self.calls.append(list(levels))
        return [self.probability(level) for level in levels]


def monotone(boundary: int, width: float = 2.0):
    """P >= 0.75 exactly for levels <= boundary (a logistic falling through 0.75 after it)."""
    shift = boundary + 0.5 - width * math.log(1 / 3)
    return lambda level: 1 / (1 + math.exp((level - shift) / width))


@pytest.mark.parametrize("block_size", [1, 2, 3, 4, 5, 8, 10, 16, 25, 100])
def test_monotone_judge_finds_the_exact_boundary_within_budget(block_size):
    budget = block_size * (math.ceil(math.log2(math.ceil(100 / block_size))) + 1)
    assert level_budget(100, block_size) == budget
    for boundary in range(-1, 100):
        judge = Judge(monotone(boundary))
        result = block_search(100, judge, sur=0.75, block_size=block_size)
        assert result.chosen == (None if boundary < 0 else boundary)
        assert result.evaluations <= budget
        assert result.batches == len(judge.calls)
        assert all(len(call) <= block_size for call in judge.calls)


def test_all_pass_and_all_fail():
    everything = block_search(100, Judge(lambda level: 0.99), sur=0.75, block_size=8)
    assert everything.chosen == 99
    nothing = block_search(100, Judge(lambda level: 0.1), sur=0.75, block_size=8)
    assert nothing.chosen is None and 0 in nothing.probabilities  # the best level was tried


def test_noisy_judge_stays_near_the_boundary_and_within_budget():
    rng = np.random.default_rng(3)
    errors = []
    for trial in range(200):
        boundary = int(rng.integers(5, 95))
        noise = rng.normal(0, 0.05, 100)
        clean = monotone(boundary, width=3.0)
        judge = Judge(lambda level, noise=noise, clean=clean: float(np.clip(clean(level) + noise[level], 0, 1)))
        result = block_search(100, judge, sur=0.75, block_size=8)
        assert result.evaluations <= level_budget(100, 8)
        assert result.chosen is not None
        assert result.probabilities[result.chosen] >= 0.75  # only ever a passing probe
        errors.append(abs(result.chosen - boundary))
    assert np.mean(errors) < 3 and max(errors) <= 12


def test_returns_the_best_passing_probe_not_the_last_one():
    # Block 1 (levels 4..7) passes on its mean while its last level fails; block 2 fails.
    table = [0.99, 0.98, 0.97, 0.96, 0.95, 0.9, 0.8, 0.5, 0.6, 0.4, 0.3, 0.2]
    judge = Judge(lambda level: table[level])
    result = block_search(len(table), judge, sur=0.75, block_size=4)
    assert judge.calls[-1] == [8, 9, 10, 11]  # the last probe failed
    assert result.chosen == 6


def test_passes_by_noise_beyond_a_failing_block_are_ignored():
    table = [0.9] * 8 + [0.1] * 8 + [0.1] * 7 + [0.95]  # level 23 passes by noise only
    result = block_search(len(table), Judge(lambda level: table[level]), sur=0.75, block_size=8)
    assert result.chosen == 7


def test_majority_rule():
    table = [0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1]
    mean = block_search(10, Judge(lambda level: table[level]), sur=0.75, block_size=5, rule="mean")
    majority = block_search(10, Judge(lambda level: table[level]), sur=0.75, block_size=5, rule="majority")
    assert mean.chosen == 5 and majority.chosen == 5


@pytest.mark.parametrize(("n", "block", "sur"), [(0, 8, 0.75), (10, 0, 0.75), (10, 8, 0.0), (10, 8, 1.5)])
def test_rejects_nonsense(n, block, sur):
    with pytest.raises(ValueError):
        block_search(n, lambda levels: [1.0] * len(levels), sur=sur, block_size=block)


def test_a_judge_returning_the_wrong_count_is_an_error():
    with pytest.raises(ValueError, match="answers"):
        block_search(10, lambda levels: [1.0], block_size=4)
