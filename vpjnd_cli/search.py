"""Searches over a codec's ladder for the most distorted level a judge still passes.

Levels are indices into a ladder ordered from the least to the most distorted (0 = best). Both
searches judge several levels per call to the judge (one network batch) and read the answers the
same monotone way:

The answer is the most distorted level with no failing level before it among the evaluated ones,
i.e. the last level of the passing run that starts at the least distorted evaluated level. More
distortion is never judged safer than less: a level that passes beyond a failing one (a judge's
noise) is never chosen, and neither is anything past it. The answer is always a probe that
passed, never merely the last probe.

- ``block_search``: the paper's binary search over blocks of ``block_size`` consecutive levels;
  a block passes when all of its levels do. At most ceil(log2(n_blocks + 1)) batches, i.e. at
  most block_size * (ceil(log2(ceil(n / block_size))) + 1) level evaluations (32 in 4 batches
  for JPEG's 100 levels).
- ``spread_search`` (the default): a few probes spread evenly over the ladder, then probes
  placed where the probabilities say the answer lies, until the stretch where it can still change
  is judged whole: about 11 evaluations in 3 batches for JPEG. Every level between the answer and
  the next evaluated one is judged, so it finds a monotone judge's boundary exactly. A noisy judge
  can fail a level between two passing probes; where that is likely (the answer's probability is
  close to the target), the last batch also judges the levels just before the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

Evaluate = Callable[[list[int]], Collection[float]]  # one probability per index, in order (a list, an array)


@dataclass
class SearchResult:
    """What the search found and what it cost.

    chosen: the most distorted level of the passing run, or None when the least distorted
    evaluated level failed.
    probabilities: P(no visible difference) of every evaluated level index.
    batches: the number of calls to ``evaluate`` (one per block or batch of probes).
    """

    chosen: int | None
    probabilities: dict[int, float] = field(default_factory=dict)
    batches: int = 0

    @property
    def evaluations(self) -> int:
        return len(self.probabilities)


def block_search(n_levels: int, evaluate: Evaluate, *, sur: float = 0.75, block_size: int = 8) -> SearchResult:
    """Find the most distorted level whose probability, and every evaluated one before it, reaches ``sur``.

    ``evaluate(indices)`` returns one probability per index; it is called once per block and
    never twice for the same index (answers are cached in the result).
    """
    _check(n_levels, sur)
    if block_size < 1:
        raise ValueError("block size must be at least 1")
    result = SearchResult(chosen=None)
    n_blocks = -(-n_levels // block_size)

    def block_passes(index: int) -> bool:
        levels = range(index * block_size, min((index + 1) * block_size, n_levels))
        missing = [level for level in levels if level not in result.probabilities]
        _record(result, missing, evaluate(missing))
        return all(result.probabilities[level] >= sur for level in levels)

    passing, failing = -1, n_blocks  # the last block known to pass, the first known to fail
    while failing - passing > 1:
        middle = (passing + failing) // 2
        if block_passes(middle):
            passing = middle
        else:
            failing = middle
    result.chosen = passing_run_end(result.probabilities, sur)
    return result


FILL_LIMIT = 4  # unknown stretches this short are judged whole; longer ones are probed first
LAST_FILL_LIMIT = 12  # in the BATCH_BUDGET-th batch, stretches this short are judged whole
NEAR_TARGET = 0.05  # an answer this close above the target may hide a failing level just before it
LOOK_BACK = 4  # the most levels judged just before such an answer
BATCH_BUDGET = 3  # looking back alone never adds a batch past this one
WINDOW_SHARE = 0.6  # the share of a stretch judged at both ends that is probed, around the likely crossing


def spread_search(n_levels: int, evaluate: Evaluate, *, sur: float = 0.75) -> SearchResult:
    """The same monotone reading as ``block_search`` with about a third of its evaluations.

    Each batch narrows the stretch where the answer can still change: the first spreads a few
    probes evenly over the ladder (4 for 100 levels); each later one judges the unevaluated levels
    between the passing run's end and the next evaluated level: all of them when there are at
    most FILL_LIMIT (LAST_FILL_LIMIT in the third batch, so that a second round whose probes
    missed does not cost a fourth), else round(sqrt(count)) of them, evenly spaced around where
    the judged probabilities say the answer lies (``_likely_window``). Most pictures take 3
    batches; a fourth comes only when a judge's wobble moves the answer in the third.

    A judge's probability wobbles by a few hundredths from level to level near its boundary, so
    a level between the last two passing probes can fail where every level judged would show it.
    When the answer's probability is within NEAR_TARGET of ``sur``, the filling batch therefore
    also judges the unevaluated levels just before the answer (at most LOOK_BACK).
    """
    _check(n_levels, sur)
    result = SearchResult(chosen=None)
    probes = _evenly_between(-1, n_levels, _first_round_size(n_levels))
    while probes:
        _record(result, probes, evaluate(probes))
        probes = _next_probes(result, sur, n_levels)
    result.chosen = passing_run_end(result.probabilities, sur)
    return result


def _first_round_size(n_levels: int) -> int:
    """One probe fewer than the ladder's cube root (4 for 100 levels, 3 for 52): the later
    batches place their probes by the probabilities, so fewer spread ones suffice."""
    return max(1, round(n_levels ** (1 / 3)) - 1)


def _next_probes(result: SearchResult, sur: float, n_levels: int) -> list[int]:
    """The levels of the next batch (none when the answer can no longer change)."""
    probabilities = result.probabilities
    low, high = _unknown_stretch(probabilities, sur, n_levels)
    unknown = high - low - 1
    if unknown > (LAST_FILL_LIMIT if result.batches == BATCH_BUDGET - 1 else FILL_LIMIT):
        count = round(math.sqrt(unknown))
        return _evenly_between(*_likely_window(probabilities, low, high, sur, n_levels, count), count)
    probes = list(range(low + 1, high))
    if low >= 0 and probabilities[low] < sur + NEAR_TARGET and (probes or result.batches < BATCH_BUDGET):
        previous = max((level for level in probabilities if level < low), default=-1)
        probes += range(max(previous + 1, low - LOOK_BACK), low)
    return sorted(probes)


def _likely_window(probabilities: dict[int, float], low: int, high: int, sur: float, n_levels: int,
                   count: int) -> tuple[int, int]:
    """The bounds (exclusive) of the part of the unknown stretch (low, high) worth ``count`` probes.

    When both ends were judged, the answer most likely lies where the straight line through their
    log-odds crosses the target's: the probes go to WINDOW_SHARE of the stretch centred there
    (at least ``count`` levels wide). A miss costs a round, but on the training pictures this saved
    1.5-2 of 12 evaluations per JPEG picture. Otherwise the whole stretch.
    """
    if low < 0 or high >= n_levels:
        return low, high
    fall = _log_odds(probabilities[low]) - _log_odds(probabilities[high])
    share = (_log_odds(probabilities[low]) - _log_odds(sur)) / fall if fall > 0 else 0.5
    centre = low + min(max(share, 0.0), 1.0) * (high - low)
    half = max(WINDOW_SHARE * (high - low) / 2, count)
    start, end = max(low, round(centre - half)), min(high, round(centre + half))
    return (start, end) if end - start - 1 >= count else (low, high)


def _log_odds(probability: float) -> float:
    clipped = min(max(probability, 1e-4), 1 - 1e-4)
    return math.log(clipped / (1 - clipped))


def _evenly_between(low: int, high: int, count: int) -> list[int]:
    """``count`` (at least one) levels evenly spaced strictly between ``low`` and ``high``."""
    count = min(max(count, 1), high - low - 1)
    return sorted({low + round(k * (high - low) / (count + 1)) for k in range(1, count + 1)})


def _unknown_stretch(probabilities: dict[int, float], sur: float, n_levels: int) -> tuple[int, int]:
    """The bounds (exclusive) of the unevaluated levels that could still change the answer: those
    after the passing run's end (-1 when the least distorted evaluated level fails) and before the
    next evaluated level (n_levels when there is none)."""
    end = passing_run_end(probabilities, sur)
    low = -1 if end is None else end
    later = [level for level in probabilities if level > low]
    return low, min(later, default=n_levels)


SEARCHES = ("spread", "block")


def run_search(name: str, n_levels: int, evaluate: Evaluate, *, sur: float, block_size: int) -> SearchResult:
    """The named search ("spread" or "block"; ``block_size`` is the block search's alone)."""
    if name == "spread":
        return spread_search(n_levels, evaluate, sur=sur)
    if name == "block":
        return block_search(n_levels, evaluate, sur=sur, block_size=block_size)
    raise ValueError(f"unknown search {name!r}; choose one of: {', '.join(SEARCHES)}")


def _check(n_levels: int, sur: float) -> None:
    if n_levels < 1:
        raise ValueError("the ladder has no levels")
    if not 0.0 < sur <= 1.0:
        raise ValueError("the target satisfied-user ratio must be in (0, 1]")


def _record(result: SearchResult, levels: list[int], answers: Collection[float]) -> None:
    """One batch's answers into the result (a judge answering another number of levels is an error)."""
    if len(answers) != len(levels):
        raise ValueError(f"the judge returned {len(answers)} answers for {len(levels)} levels")
    result.probabilities.update(zip(levels, (float(p) for p in answers), strict=True))
    result.batches += 1


def passing_run_end(probabilities: dict[int, float], sur: float) -> int | None:
    """The last level of the run of passing levels that starts at the least distorted evaluated one
    (None when that one fails): the monotone reading of a judge's answers."""
    chosen = None
    for level in sorted(probabilities):
        if probabilities[level] < sur:
            break
        chosen = level
    return chosen


def level_budget(n_levels: int, block_size: int) -> int:
    """The most level evaluations ``block_search`` may need (the bound the tests check)."""
    n_blocks = -(-n_levels // block_size)
    return block_size * ((n_blocks - 1).bit_length() + 1)
