"""The binary block search, with synthetic judges whose true boundary is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vpjnd_cli.search import (
    LAST_FILL_LIMIT,
    LOOK_BACK,
    block_search,
    level_budget,
    passing_run_end,
    spread_search,
)


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
    for _ in range(200):
        boundary = int(rng.integers(5, 95))
        noise = rng.normal(0, 0.05, 100)
        clean = monotone(boundary, width=3.0)
        judge = Judge(lambda level, noise=noise, clean=clean: float(np.clip(clean(level) + noise[level], 0, 1)))
        result = block_search(100, judge, sur=0.75, block_size=8)
        assert result.evaluations <= level_budget(100, 8)
        assert result.chosen is not None
        assert result.probabilities[result.chosen] >= 0.75  # only ever a passing probe
        errors.append(result.chosen - boundary)
    assert np.mean(np.abs(errors)) < 3 and max(np.abs(errors)) <= 12
    assert np.mean(errors) < 0  # noise makes the monotone answer stricter, never more lenient on average


@pytest.mark.parametrize("seed", range(20))
def test_no_evaluated_level_before_the_answer_fails(seed):
    rng = np.random.default_rng(seed)
    table = np.clip(np.linspace(1.1, -0.1, 100) + rng.normal(0, 0.15, 100), 0, 1)  # spikes both ways
    result = block_search(100, Judge(lambda level: float(table[level])), sur=0.75, block_size=8)
    evaluated = result.probabilities
    if result.chosen is None:
        assert evaluated[min(evaluated)] < 0.75
    else:
        assert all(p >= 0.75 for level, p in evaluated.items() if level <= result.chosen)
        after = [level for level in evaluated if level > result.chosen]
        assert not after or evaluated[min(after)] < 0.75  # the run ends at a failing probe


def test_a_spike_past_a_failing_level_is_never_chosen():
    # level 6 fails; 7 passes again by noise; block 1 (levels 4..7) is the boundary block
    table = [0.99, 0.98, 0.97, 0.96, 0.95, 0.9, 0.7, 0.8, 0.6, 0.4, 0.3, 0.2]
    judge = Judge(lambda level: table[level])
    result = block_search(len(table), judge, sur=0.75, block_size=4)
    assert result.chosen == 5


def test_passes_by_noise_beyond_a_failing_block_are_ignored():
    table = [0.9] * 8 + [0.1] * 8 + [0.1] * 7 + [0.95]  # level 23 passes by noise only
    result = block_search(len(table), Judge(lambda level: table[level]), sur=0.75, block_size=8)
    assert result.chosen == 7


def test_passing_run_end_reads_the_answers_from_the_least_distorted():
    assert passing_run_end({0: 0.9, 4: 0.8, 8: 0.7, 12: 0.9}, 0.75) == 4
    assert passing_run_end({3: 0.5, 4: 0.9}, 0.75) is None
    assert passing_run_end({}, 0.75) is None


@pytest.mark.parametrize(("n", "block", "sur"), [(0, 8, 0.75), (10, 0, 0.75), (10, 8, 0.0), (10, 8, 1.5)])
def test_rejects_nonsense(n, block, sur):
    with pytest.raises(ValueError):
        block_search(n, lambda levels: [1.0] * len(levels), sur=sur, block_size=block)


def test_a_judge_returning_the_wrong_count_is_an_error():
    with pytest.raises(ValueError, match="answers"):
        block_search(10, lambda levels: [1.0], block_size=4)


@pytest.mark.parametrize("n_levels", [1, 2, 5, 9, 52, 53, 100, 101, 200])
def test_spread_search_finds_a_monotone_boundary_exactly_in_three_batches_or_fewer(n_levels):
    costs = []
    for boundary in range(-1, n_levels):
        judge = Judge(monotone(boundary))
        result = spread_search(n_levels, judge, sur=0.75)
        assert result.chosen == (None if boundary < 0 else boundary)
        assert result.batches == len(judge.calls) <= 3
        costs.append(result.evaluations)
    if n_levels == 100:  # block_search needs up to 32; a look-back adds at most LOOK_BACK to 12
        assert max(costs) <= 12 + LOOK_BACK and np.mean(costs) <= 11


@pytest.mark.parametrize("seed", range(20))
def test_spread_search_reads_its_answers_the_monotone_way(seed):
    rng = np.random.default_rng(seed)
    table = np.clip(np.linspace(1.1, -0.1, 100) + rng.normal(0, 0.15, 100), 0, 1)
    result = spread_search(100, Judge(lambda level: float(table[level])), sur=0.75)
    assert result.chosen == passing_run_end(result.probabilities, 0.75)
    if result.chosen is not None:  # the next level was judged and failed, or the answer is the last level
        assert result.chosen == 99 or table[result.chosen + 1] < 0.75
        assert result.chosen + 1 in result.probabilities or result.chosen == 99


def test_spread_search_all_pass_and_all_fail():
    assert spread_search(100, Judge(lambda level: 0.99)).chosen == 99
    nothing = spread_search(100, Judge(lambda level: 0.1))
    assert nothing.chosen is None and 0 in nothing.probabilities


def test_spread_search_rejects_nonsense():
    with pytest.raises(ValueError):
        spread_search(0, lambda levels: [1.0] * len(levels))
    with pytest.raises(ValueError, match="answers"):
        spread_search(10, lambda levels: [1.0])


def gentle(level: int) -> float:
    """A judge whose probability falls slowly through 0.75 (around level 44)."""
    return 1 / (1 + math.exp((level - 50.6) / 6))


def test_spread_search_looks_back_for_a_hidden_failure_when_the_answer_is_close_to_the_target():
    clean = Judge(gentle)
    answer = spread_search(100, clean, sur=0.75).chosen
    looked_back = [level for level in clean.calls[-1] if level < answer]
    assert looked_back, "an answer this close to the target makes the last batch look back"
    dip = looked_back[0]  # fails narrowly, hidden between two passing probes of the earlier batches
    probability = lambda level: 0.74 if level == dip else gentle(level)  # noqa: E731
    result = spread_search(100, Judge(probability), sur=0.75)
    assert result.chosen == passing_run_end({level: probability(level) for level in range(100)}, 0.75) == dip - 1


def test_spread_search_looks_back_only_when_the_answer_is_close_to_the_target():
    judge = Judge(lambda level: 0.9 if level <= 49 else 0.2)
    assert spread_search(100, judge, sur=0.75).chosen == 49
    assert all(level > 49 for level in judge.calls[-1])


def test_spread_search_judges_what_a_missed_window_leaves_in_the_third_batch():
    """A sharp step far from where the probabilities' straight line crosses the target: every probe
    of the second round passes, and the 7 levels left are judged whole (a fourth batch before)."""
    judge = Judge(lambda level: 0.99 if level <= 35 else 0.01)
    result = spread_search(100, judge, sur=0.75)
    assert result.chosen == 35 and result.batches == 3
    assert 4 < len(judge.calls[-1]) <= LAST_FILL_LIMIT


def test_spread_search_finds_the_every_level_answer_of_a_wobbling_judge_in_about_three_batches():
    found, batches = [], []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        crossing = rng.uniform(10, 90)
        table = 0.6 + 0.3 / (1 + np.exp((np.arange(100) - crossing) / 8)) + rng.normal(0, 0.015, 100)
        result = spread_search(100, Judge(lambda level, table=table: float(table[level])), sur=0.75)
        batches.append(result.batches)
        found.append(result.chosen == passing_run_end(dict(enumerate(table.tolist())), 0.75))
    assert np.mean(found) >= 0.95  # 0.87 without the look-back
    assert np.mean(batches) <= 3.05 and max(batches) <= 3  # 2 of them took 4 before LAST_FILL_LIMIT
