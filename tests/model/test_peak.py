"""The luma peak sees one small blotch anywhere in a picture; the calibration fit recovers known coefficients."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from pictures import natural_picture

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.model.peak import (
    LumaPeak,
    PeakCalibration,
    fit_peak_calibration,
    local_contrast,
    opsin_luma,
)


def test_opsin_luma_rises_with_grey_level_and_weighs_green_over_blue():
    greys = np.repeat(np.arange(0, 256, 51, dtype=np.uint8)[:, None, None], 3, axis=2)
    assert np.all(np.diff(opsin_luma(greys)[:, 0]) > 0)
    green, blue = np.array([[[0, 200, 0]]], np.uint8), np.array([[[0, 0, 200]]], np.uint8)
    assert opsin_luma(green)[0, 0] > opsin_luma(blue)[0, 0]


def test_a_small_blotch_sets_the_peak_wherever_it_is():
    reference = natural_picture(360, 640, seed=1)
    statistic = LumaPeak()
    blotches = []
    for top, left in ((20, 30), (300, 560)):  # 40x40 px: 0.7 % of the picture
        candidate = reference.copy()
        candidate[top : top + 40, left : left + 40] = np.clip(candidate[top : top + 40, left : left + 40] + 40, 0, 255)
        blotches.append(candidate)
    spread = np.clip(reference.astype(int) + np.random.default_rng(0).integers(-2, 3, reference.shape), 0, 255)
    peaks = statistic.peaks(statistic.reference(reference), [reference, *blotches, spread.astype(np.uint8)])
    assert peaks[0] == 0
    assert peaks[1] == pytest.approx(peaks[2], rel=0.2)
    assert peaks[1] > 5 * peaks[3] > 0  # faint noise over every pixel peaks far lower than one blotch


def test_the_fit_recovers_known_coefficients():
    rng = np.random.default_rng(4)
    net = rng.uniform(0.01, 0.99, 3000)
    peaks = np.exp(rng.uniform(-6, -1, 3000))
    truth = PeakCalibration(net_scale=0.7, bias=-12.0, peak_slope=-2.8)
    labels = truth.apply(net, peaks)  # soft labels: the maximum-likelihood fit is the truth itself
    fitted = fit_peak_calibration(net, peaks, labels)
    assert fitted.net_scale == pytest.approx(0.7, abs=1e-3)
    assert fitted.bias == pytest.approx(-12.0, abs=1e-2)
    assert fitted.peak_slope == pytest.approx(-2.8, abs=1e-3)
    assert fit_peak_calibration(net, peaks, labels) == fitted  # deterministic


def test_the_fit_recovers_a_second_term_for_the_norm():
    rng = np.random.default_rng(5)
    net = rng.uniform(0.01, 0.99, 3000)
    measured = np.exp(rng.uniform(-6, -1, (3000, 2)))
    truth = PeakCalibration(net_scale=1.3, bias=-30.0, peak_slope=-1.5, norm=3.0, norm_slope=-3.0)
    fitted = fit_peak_calibration(net, measured, truth.apply(net, measured), LumaPeak(norm=3.0))
    assert fitted.norm == 3.0 and fitted.norm_slope == pytest.approx(-3.0, abs=1e-3)
    assert fitted.peak_slope == pytest.approx(-1.5, abs=1e-3) and fitted.bias == pytest.approx(-30.0, abs=1e-2)
    with pytest.raises(ValueError, match="statistic measured beside"):
        fit_peak_calibration(net, measured[:, 0], truth.apply(net, measured), LumaPeak(norm=3.0))


def test_the_fit_recovers_a_full_size_term_after_the_norm():
    """The full-size peak is the last column, after the p-norm, in the fit as in apply."""
    rng = np.random.default_rng(6)
    net = rng.uniform(0.01, 0.99, 3000)
    measured = np.exp(rng.uniform(-6, -1, (3000, 3)))
    full_size = LumaPeak(sigma=1.0, quantile=0.9999, downscale=1)
    truth = PeakCalibration(net_scale=1.2, bias=-25.0, peak_slope=-1.0, norm=3.0, norm_slope=-2.0,
                            full_size_quantile=0.9999, full_size_slope=-1.5)
    assert truth.full_size == full_size
    fitted = fit_peak_calibration(net, measured, truth.apply(net, measured), LumaPeak(norm=3.0), full_size=full_size)
    assert (fitted.full_size_quantile, fitted.full_size_sigma) == (0.9999, 1.0)
    assert fitted.full_size_slope == pytest.approx(-1.5, abs=1e-3)
    assert fitted.norm_slope == pytest.approx(-2.0, abs=1e-3) and fitted.peak_slope == pytest.approx(-1.0, abs=1e-3)
    assert PeakCalibration.from_dict(fitted.to_dict()) == fitted
    without_norm = replace(truth, norm=0.0, norm_slope=0.0)  # the full-size column is then the second
    logit = np.log(net / (1 - net))
    z = 1.2 * logit - 25.0 - 1.0 * np.log(measured[:, 0]) - 1.5 * np.log(measured[:, 2])
    np.testing.assert_allclose(without_norm.apply(net, measured[:, [0, 2]]), 1 / (1 + np.exp(-z)), rtol=1e-12)
    with pytest.raises(ValueError, match="statistic measured beside"):
        fit_peak_calibration(net, measured[:, :2], truth.apply(net, measured), LumaPeak(norm=3.0), full_size=full_size)
    with pytest.raises(ValueError, match="downscale 1"):
        fit_peak_calibration(net, measured, truth.apply(net, measured), LumaPeak(norm=3.0), full_size=LumaPeak())


def test_a_full_size_floor_makes_the_term_only_penalise():
    """Below the floor the full-size term reads the floor: a tiny full-size peak earns no reward;
    above it the term is unchanged, and the fit recovers a floored head given its floor."""
    rng = np.random.default_rng(7)
    net = rng.uniform(0.01, 0.99, 3000)
    measured = np.exp(rng.uniform(-6, -1, (3000, 2)))
    full_size = LumaPeak(sigma=1.0, quantile=0.9999, downscale=1)
    plain = PeakCalibration(net_scale=1.2, bias=-7.0, peak_slope=-1.0, full_size_quantile=0.9999,
                            full_size_slope=-1.5)
    floored = replace(plain, full_size_floor=0.02)
    low = measured[:, 1] < 0.02
    assert 0 < low.sum() < len(low)
    np.testing.assert_array_equal(floored.apply(net, measured)[~low], plain.apply(net, measured)[~low])
    at_floor = np.column_stack([measured[:, 0], np.full(len(net), 0.02)])
    np.testing.assert_allclose(floored.apply(net, measured)[low], plain.apply(net, at_floor)[low], rtol=1e-12)
    assert np.all(floored.apply(net, measured)[low] < plain.apply(net, measured)[low])
    fitted = fit_peak_calibration(net, measured, floored.apply(net, measured), full_size=full_size,
                                  full_size_floor=0.02)
    assert fitted.full_size_floor == 0.02 and fitted.full_size_slope == pytest.approx(-1.5, abs=1e-3)
    assert PeakCalibration.from_dict(fitted.to_dict()) == fitted
    with pytest.raises(ValueError, match="needs the full-size term"):
        fit_peak_calibration(net, measured[:, :1], plain.apply(net, measured), full_size_floor=0.02)
    for bad in ({"full_size_floor": 0.02, "full_size_quantile": 0.0, "full_size_slope": 0.0},
                {"full_size_floor": -0.1}):
        with pytest.raises(ValueError, match="full_size_floor"):
            replace(plain, **bad)


def test_the_fit_recovers_a_masked_term_between_the_norm_and_the_full_size_peak():
    rng = np.random.default_rng(8)
    net = rng.uniform(0.01, 0.99, 3000)
    measured = np.exp(rng.uniform(-6, -1, (3000, 4)))
    truth = PeakCalibration(net_scale=1.1, bias=-20.0, peak_slope=-0.5, norm=3.0, norm_slope=-1.0, masking=0.001,
                            masking_slope=-1.2, full_size_quantile=0.9999, full_size_slope=-0.8)
    assert truth.statistic == LumaPeak(norm=3.0, masking=0.001) and truth.statistic.columns == 3
    fitted = fit_peak_calibration(net, measured, truth.apply(net, measured), truth.statistic,
                                  full_size=truth.full_size)
    assert fitted.masking == 0.001 and fitted.masking_slope == pytest.approx(-1.2, abs=1e-3)
    assert fitted.norm_slope == pytest.approx(-1.0, abs=1e-3)
    assert fitted.full_size_slope == pytest.approx(-0.8, abs=1e-3)
    assert PeakCalibration.from_dict(fitted.to_dict()) == fitted
    for bad in ({"norm": 0.0, "norm_slope": 0.0}, {"masking": -0.001}, {"masking": 0.0}, {"masking_sigma": 0.0}):
        with pytest.raises(ValueError, match="masking"):
            replace(truth, **bad)
    with pytest.raises(ValueError, match="needs the norm"):
        LumaPeak(masking=0.001)


def test_the_masked_norm_weighs_an_error_on_a_smooth_area_over_the_same_error_in_texture():
    """The same faint error on the flat half and on the textured half: the 3-norm cannot tell them
    apart, the masked 3-norm can."""
    rng = np.random.default_rng(2)
    reference = np.full((96, 192, 3), 120, np.uint8)
    reference[:, 96:] = np.clip(120 + rng.normal(0, 25, (96, 96, 1)), 0, 255).astype(np.uint8)
    on_flat, in_texture = reference.copy(), reference.copy()
    on_flat[30:60, 30:60] += 3
    in_texture[30:60, 126:156] += 3
    statistic = LumaPeak(norm=3.0, masking=0.001)
    _, norms, masked = statistic.measure(statistic.reference(reference), [on_flat, in_texture]).T
    assert norms[0] == pytest.approx(norms[1], rel=0.1)
    assert masked[0] > 2 * masked[1]


def test_the_masked_norm_matches_its_textbook_formula():
    rgb = natural_picture(64, 96, seed=9)
    candidate = np.clip(rgb.astype(int) + np.random.default_rng(3).integers(-6, 7, rgb.shape), 0, 255).astype(np.uint8)
    statistic = LumaPeak(downscale=1, norm=3.0, masking=0.002, masking_sigma=2.0)
    reference = opsin_luma(rgb).astype(np.float64)
    local_mean = cv2.GaussianBlur(reference, (0, 0), 2.0)
    contrast = np.sqrt(cv2.GaussianBlur((reference - local_mean) ** 2, (0, 0), 2.0))
    np.testing.assert_allclose(local_contrast(opsin_luma(rgb), 2.0), contrast, atol=1e-6)
    error = np.abs(cv2.GaussianBlur(opsin_luma(candidate).astype(np.float64) - reference, (0, 0), 3.0))
    masked = np.mean((error / (contrast + 0.002)) ** 3) ** (1 / 3)
    assert statistic.measure(statistic.reference(rgb), [candidate])[0, 2] == pytest.approx(masked, rel=1e-4)


def test_a_head_written_before_norm_slope_keeps_its_meaning():
    """Such a head read the p-norm instead of the peak: its one slope is the norm's."""
    legacy = PeakCalibration.from_dict({"net_scale": 1.3, "bias": -31.4, "peak_slope": -4.4, "norm": 3.0})
    assert (legacy.peak_slope, legacy.norm_slope) == (0.0, -4.4)
    assert PeakCalibration.from_dict(legacy.to_dict()) == legacy


def test_separable_pairs_give_finite_coefficients():
    net, peaks = np.array([0.9, 0.8, 0.2, 0.1]), np.array([0.001, 0.002, 0.2, 0.3])
    fitted = fit_peak_calibration(net, peaks, np.array([1.0, 1.0, 0.0, 0.0]))
    p = fitted.apply(net, peaks)
    assert np.all(np.isfinite(p)) and p[0] > 0.5 > p[3]


def test_an_identical_candidate_passes_and_a_larger_peak_never_raises_p():
    calibration = PeakCalibration(net_scale=0.7, bias=-12.0, peak_slope=-2.8)
    p = calibration.apply(np.full(4, 0.5), np.array([0.0, 0.001, 0.01, 0.1]))
    assert p[0] == pytest.approx(1.0) and np.all(np.diff(p) < 0)


@pytest.mark.parametrize("fields", [{"net_scale": 1, "bias": 0},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "gain": 2},
                                    {"net_scale": float("nan"), "bias": 0, "peak_slope": 0},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "quantile": 1.5},
                                    {"net_scale": "1", "bias": 0, "peak_slope": 0},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "downscale": 1.5},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "norm": -3},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "norm": 100},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "norm_slope": -2},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "full_size_slope": -2},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "full_size_quantile": 1.0},
                                    {"net_scale": 1, "bias": 0, "peak_slope": 0, "full_size_quantile": 0.9999,
                                     "full_size_sigma": 0.0}])
def test_bad_records_are_refused(fields):
    with pytest.raises((TypeError, ValueError)):
        PeakCalibration.from_dict(fields)


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="at least 3 pairs"):
        fit_peak_calibration(np.ones(5), np.ones(4), np.ones(5))


def test_the_fast_paths_match_the_textbook_formulas():
    rgb = natural_picture(64, 96, seed=5)
    c = np.arange(256) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)[rgb]
    cones = np.cbrt(linear @ np.array([[0.30, 0.622, 0.078], [0.23, 0.692, 0.078]]).T + 0.0037930732552754493)
    np.testing.assert_allclose(opsin_luma(rgb), cones.mean(axis=2), atol=2e-6)
    candidate = np.clip(rgb.astype(int) + np.random.default_rng(1).integers(-9, 10, rgb.shape), 0, 255).astype(np.uint8)
    error = np.abs(cv2.GaussianBlur(opsin_luma(candidate) - opsin_luma(rgb), (0, 0), 3.0))
    for q in (0.5, 0.999, 0.9999):
        full_size = LumaPeak(quantile=q, downscale=1)
        peak = full_size.peaks(full_size.reference(rgb), [candidate])[0]
        assert peak == pytest.approx(np.quantile(error, q), rel=1e-6)
    for p in (1.0, 3.0):
        full_size = LumaPeak(downscale=1, norm=p)
        peak, norm = full_size.measure(full_size.reference(rgb), [candidate])[0]
        assert peak == pytest.approx(np.quantile(error, 0.999), rel=1e-6)  # the quantile stays beside it
        assert norm == pytest.approx(np.mean(error.astype(np.float64) ** p) ** (1 / p), rel=1e-6)
        assert full_size.peaks(full_size.reference(rgb), [candidate])[0] == peak


def test_the_3_norm_counts_a_spread_error_the_quantile_misses():
    """A faint error over half the picture, away from a blotch: the blotch sets the 99.9th
    percentile either way, the 3-norm grows with the spread error."""
    reference = np.full((80, 120, 3), 128, np.uint8)
    blotch = reference.copy()
    blotch[8:18, 8:18] = 160
    spread = blotch.copy()
    spread[40:] += 4
    statistic = LumaPeak(norm=3.0)
    quantile, norm = statistic.measure(statistic.reference(reference), [blotch, spread]).T
    assert quantile[1] == quantile[0] and norm[1] > 1.05 * norm[0]


def test_the_downscaled_peak_follows_the_full_size_one():
    reference = natural_picture(240, 320, seed=6)
    jpeg = get_codec("jpeg")
    levels = {level.setting: level for level in jpeg.levels()}
    candidates = [jpeg.decode(jpeg.encode(reference, levels[q])) for q in (95, 70, 40, 10)]
    full, half = LumaPeak(downscale=1), LumaPeak(downscale=2)
    ratio = half.peaks(half.reference(reference), candidates) / full.peaks(full.reference(reference), candidates)
    assert np.all(np.abs(np.log(ratio)) < 0.3)
    odd = reference[:121, :161]
    assert half.peaks(half.reference(odd), [odd])[0] == 0 and half.reference(odd).shape == (60, 80)
    assert LumaPeak().reference(reference[:1, :5]).shape == (1, 5)  # too small to shrink: full size
