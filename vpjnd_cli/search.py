"""Binary block search over a codec's ladder for the most distorted level a judge still passes.

Levels are indices into a ladder ordered from the least to the most distorted (0 = best).
Consecutive levels are grouped in blocks of ``block_size``; a whole block is judged as one batch
(one network call) and passes when every level in it reaches the target satisfied-user ratio. A
binary search over blocks finds the boundary, assuming visibility grows with distortion.

The answer is monotone: the most distorted level with no failing level before it among the
evaluated ones, i.e. the last level of the passing run that starts at the least distorted
evaluated level. More distortion is never judged safer than less: a level that passes beyond a
failing one (a judge's noise) is never chosen, and neither is anything past it. The answer is
always a probe that passed, never merely the last probe.

Cost: at most ceil(log2(n_blocks + 1)) block evaluations, i.e. at most
block_size * (ceil(log2(ceil(n / block_size))) + 1) level evaluations.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

Evaluate = Callable[[list[int]], Collection[float]]  # one probability per index, in order (a list, an array)


@dataclass
class SearchResult:
    """What the search found and what it cost.

    chosen: the most distorted level of the passing run, or None when the least distorted
    evaluated level failed.
    probabilities: P(no visible difference) of every evaluated level index.
    batches: the number of calls to ``evaluate`` (one per block).
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
    if n_levels < 1:
        raise ValueError("the ladder has no levels")
    if block_size < 1:
        raise ValueError("block size must be at least 1")
    if not 0.0 < sur <= 1.0:
        raise ValueError("the target satisfied-user ratio must be in (0, 1]")
    result = SearchResult(chosen=None)
    n_blocks = -(-n_levels // block_size)

    def block_passes(index: int) -> bool:
        levels = range(index * block_size, min((index + 1) * block_size, n_levels))
        missing = [level for level in levels if level not in result.probabilities]
        answers = evaluate(missing)
        if len(answers) != len(missing):
            raise ValueError(f"the judge returned {len(answers)} answers for {len(missing)} levels")
        result.probabilities.update(zip(missing, (float(p) for p in answers), strict=True))
        result.batches += 1
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
