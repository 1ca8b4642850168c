"""Binary block search over a codec's ladder for the most distorted level a judge still passes.

Levels are indices into a ladder ordered from the least to the most distorted (0 = best).
Consecutive levels are grouped in blocks of ``block_size``; a whole block is judged as one batch
(one network call), a block passes when its levels' mean probability (or a majority of them)
reaches the target satisfied-user ratio, and a binary search over blocks finds the boundary,
assuming visibility grows with distortion. Because whole blocks are evaluated, the two blocks
around the boundary are fully known, and the answer is the most distorted *individually*
passing level among them — the best passing probe, never merely the last one.

Cost: at most ceil(log2(n_blocks + 1)) block evaluations, i.e. at most
block_size * (ceil(log2(ceil(n / block_size))) + 1) level evaluations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

BlockRule = Literal["mean", "majority"]
Evaluate = Callable[[list[int]], Sequence[float]]


@dataclass
class SearchResult:
    """What the search found and what it cost.

    chosen: the most distorted passing level index, or None when no evaluated level passed.
    probabilities: P(no visible difference) of every evaluated level index.
    batches: the number of calls to ``evaluate`` (one per block).
    """

    chosen: int | None
    probabilities: dict[int, float] = field(default_factory=dict)
    batches: int = 0

    @property
    def evaluations(self) -> int:
        return len(self.probabilities)


def block_search(
    n_levels: int,
    evaluate: Evaluate,
    *,
    sur: float = 0.75,
    block_size: int = 8,
    rule: BlockRule = "mean",
) -> SearchResult:
    """Find the most distorted level whose probability reaches ``sur``.

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

    def block(index: int) -> list[int]:
        return list(range(index * block_size, min((index + 1) * block_size, n_levels)))

    def block_passes(index: int) -> bool:
        levels = block(index)
        missing = [level for level in levels if level not in result.probabilities]
        if missing:
            answers = evaluate(missing)
            if len(answers) != len(missing):
                raise ValueError(f"the judge returned {len(answers)} answers for {len(missing)} levels")
            result.probabilities.update(zip(missing, (float(p) for p in answers), strict=True))
            result.batches += 1
        values = [result.probabilities[level] for level in levels]
        if rule == "majority":
            return 2 * sum(v >= sur for v in values) > len(values)
        return sum(values) / len(values) >= sur

    passing, failing = -1, n_blocks  # the last block known to pass, the first known to fail
    while failing - passing > 1:
        middle = (passing + failing) // 2
        if block_passes(middle):
            passing = middle
        else:
            failing = middle
    # Levels beyond the first failing block are not trusted even if they passed by noise.
    limit = min((failing + 1) * block_size, n_levels)
    passed = [level for level, p in result.probabilities.items() if level < limit and p >= sur]
    result.chosen = max(passed) if passed else None
    return result


def level_budget(n_levels: int, block_size: int) -> int:
    """The most level evaluations ``block_search`` may need (the bound the tests check)."""
    n_blocks = -(-n_levels // block_size)
    return block_size * ((n_blocks - 1).bit_length() + 1)
