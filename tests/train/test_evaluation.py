"""Bootstrap intervals of `vpjnd evaluate`: seeded, exact when every picture agrees, wide when few differ."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.train.evaluation import bootstrap_intervals


def test_pictures_that_all_agree_give_a_point_interval():
    ones = np.ones(10)
    found = bootstrap_intervals(ones * 18, ones * 20, ones * 5, ones * 40)
    assert found == {"pair_accuracy": (0.9, 0.9), "mad": (5.0, 5.0), "mean_predicted_setting": (40.0, 40.0)}


def test_one_bad_picture_in_sixteen_widens_the_mad_interval_as_sampling_theory_says():
    errors = np.zeros(16)
    errors[0] = 32.0  # MAD 2.0, carried by one picture
    ones = np.ones(16)
    found = bootstrap_intervals(ones * 20, ones * 20, errors, ones * 30)
    low, high = found["mad"]
    assert low == 0.0  # a resample can miss the bad picture: P = (15/16)^16 = 36 %
    assert 5.5 < high < 6.5  # ~97.5th percentile of 2 x Binomial(16, 1/16): 3 draws
    assert found == bootstrap_intervals(ones * 20, ones * 20, errors, ones * 30)  # seeded


def test_accuracy_pools_the_pairs_of_the_resampled_pictures():
    found = bootstrap_intervals(np.array([20.0, 0.0]), np.array([20.0, 20.0]), np.zeros(2), np.zeros(2),
                                resamples=4000)
    assert found["pair_accuracy"] == pytest.approx((0.0, 1.0))
