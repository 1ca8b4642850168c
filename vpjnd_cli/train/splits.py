"""Train/validation/test split by source photo: no photo's content is on both sides."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

SPLITS = ("train", "val", "test")
DEFAULT_FRACTIONS = (0.7, 0.1, 0.2)


def split_by_source(
    sources: Iterable[str], seed: int, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
) -> dict[str, str]:
    """source -> "train" | "val" | "test": a seeded shuffle of the sorted sources, cut by fractions.

    Deterministic for a given set of sources and seed; with at least 3 sources every split gets one.
    """
    unique = sorted(set(sources))
    order = [unique[i] for i in np.random.default_rng(seed).permutation(len(unique))]
    n = len(order)
    n_val = max(1, round(fractions[1] * n)) if n >= 3 else 0
    n_test = max(1, round(fractions[2] * n)) if n >= 3 else 0
    n_train = n - n_val - n_test
    names = ["train"] * n_train + ["val"] * n_val + ["test"] * n_test
    return dict(zip(order, names, strict=True))
