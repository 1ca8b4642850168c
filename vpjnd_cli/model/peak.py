"""The luma-error peak of a candidate, and the calibration that fuses it with the network's answer.

Why: the network sees a few dozen patches (32 of 64 px cover 6 % of a 1920x1080 picture), so it
misses a strong artefact that sits elsewhere, and from 60 training pictures it does not learn
how visible a picture's worst spot is. A statistic over every pixel does (``LumaPeak``): the 99.9th
percentile of the blurred luma error in an opsin (cone-response, cube-root) space, the space
butteraugli and JPEG XL measure in. ``PeakCalibration`` combines the two by logistic regression,

    logit P = net_scale * logit(P_net) + bias + peak_slope * ln(peak)
              [+ norm_slope * ln(p-norm)] [+ full_size_slope * ln(full-size peak)],

fitted after training on the training pairs (``fit_peak_calibration``), so it needs no held-out
picture; docs/experiments.md ("The JPEG-only model") has the measurements behind the choice of
statistic. A codec's head may add the error's p-norm (``norm``), the p-norm of the error masked by
the reference's local contrast (``masking``) and the peak of the error measured at the picture's own
size (``full_size_quantile``) as further terms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

import cv2
import numpy as np

# Linear sRGB -> L and M cone responses and the absorbance bias: the opsin matrix of JPEG XL's XYB.
_OPSIN_LM = np.array([[0.30, 0.622, 0.078], [0.23, 0.692, 0.078]], np.float64)
_OPSIN_BIAS = 0.0037930732552754493
_CODES = np.arange(256) / 255
_SRGB_TO_LINEAR = np.where(_CODES <= 0.04045, _CODES / 12.92, ((_CODES + 0.055) / 1.055) ** 2.4)
# One float32 table per (cone, channel) term; L and M weigh blue alike, so blue's (with the bias) is shared.
RED_GREEN_TABLES = [[(_OPSIN_LM[cone, ch] * _SRGB_TO_LINEAR).astype(np.float32) for ch in (0, 1)] for cone in (0, 1)]
BLUE_TABLE = (_OPSIN_LM[0, 2] * _SRGB_TO_LINEAR + _OPSIN_BIAS).astype(np.float32)
_THIRD = np.float32(1 / 3)
DEFAULT_SIGMA = 3.0  # px of the full picture: the blur that turns ringing into a blotch's strength
DEFAULT_QUANTILE = 0.999  # 2,000 pixels of a 1920x1080 picture: one small blotch is enough
DEFAULT_DOWNSCALE = 2  # measured on the picture area-averaged 2x2: 4x less work, see LumaPeak
FULL_SIZE_SIGMA = 1.0  # px: the full-size term's blur, narrow enough to keep 4:2:0's one- or two-pixel lines
MASKING_SIGMA = 4.0  # px of the full picture: the neighbourhood whose contrast masks an error
_PEAK_FLOOR = 1e-6  # ln(0) guard: an identical candidate gets a very large, finite ln(peak) step
_P_CLIP = 1e-6  # the network's probability is clipped before its logit
_Z_CLIP = 500.0  # keeps exp below float64's overflow (709); P there is within 1e-217 of 0 or 1
MAX_SIGMA = 64.0  # px: a wider blur costs seconds per candidate and measures nothing local
MAX_DOWNSCALE = 64
MAX_NORM = 16.0  # beyond it the p-norm is the maximum, which the quantile already covers


def opsin_luma(rgb: np.ndarray) -> np.ndarray:
    """Y of XYB (up to a constant, which the peak's difference removes) of an HxWx3 uint8 sRGB picture.

    Per-channel lookup tables and in-place float32 arithmetic: twice as fast as a 3x3 matrix
    product and cbrt, which matters because every candidate of a search needs it.
    """
    red, green, blue = cv2.split(rgb)
    blue_term: np.ndarray = cv2.LUT(blue, BLUE_TABLE)  # float32, as the tables are
    cones = []
    for red_table, green_table in RED_GREEN_TABLES:
        cone: np.ndarray = cv2.LUT(red, red_table)
        cone += cv2.LUT(green, green_table)
        cone += blue_term
        cones.append(np.power(cone, _THIRD, out=cone))
    luma = cones[0]
    luma += cones[1]
    luma *= np.float32(0.5)
    return luma


@dataclass(frozen=True)
class LumaPeak:
    """The ``quantile`` of |Gaussian blur (``sigma`` px) of the candidate's opsin luma minus the reference's|,
    and with ``norm`` p > 0 also its p-norm, (mean |blurred error|^p)^(1/p) (``measure``).

    Why a norm beside the peak: the quantile sees the worst blotch only; the 3-norm also counts an
    error spread thin over the picture (blur, banding), as butteraugli's 3-norm, the labels'
    teacher, does. Alone it dilutes a few broken edges on a flat picture, which the peak keeps.
    A codec's head may read both (`vpjnd calibrate --peak-norm`); docs/experiments.md has what
    they did for WebP and AVIF.

    Both pictures are first area-averaged by ``downscale`` (blur sigma / downscale there): every
    candidate of a search needs the statistic, and at full size it cost 24 ms per 1920x1080
    candidate (0.8 s of a JPEG search) against 6 ms. The blur spans several pixels of the small
    picture, so the peak changes little: ln(peak) moved by 0.01 +- 0.1 on corpus pictures.

    With ``masking`` > 0 (and a ``norm``) ``measure`` gives one more column: the p-norm of the
    blurred error divided by the reference's local contrast plus ``masking`` (``local_contrast``
    in a window of ``masking_sigma`` px). Why: an error hides in texture and shows on
    a smooth area, as butteraugli's masking models; the plain statistics count both alike, and
    where the network saturates (the strict criterion's few-level errors) nothing else tells them
    apart (docs/experiments.md, strict BPG).
    """

    sigma: float = DEFAULT_SIGMA
    quantile: float = DEFAULT_QUANTILE
    downscale: int = DEFAULT_DOWNSCALE
    norm: float = 0.0  # 0: the quantile alone, no p-norm
    masking: float = 0.0  # 0: no masked p-norm; else the contrast added to the reference's local contrast
    masking_sigma: float = MASKING_SIGMA

    def __post_init__(self) -> None:
        if self.masking and not self.norm:
            raise ValueError("a masked p-norm needs the norm's power p")

    def reference(self, rgb: np.ndarray) -> np.ndarray:
        """The reference's luma, computed once per picture."""
        return opsin_luma(self.shrink(rgb))

    @property
    def columns(self) -> int:
        """How many statistics ``measure`` gives per candidate: the quantile, the p-norm when ``norm``,
        the masked p-norm when ``masking``."""
        return 1 + bool(self.norm) + bool(self.masking)

    def measure(self, reference_luma: np.ndarray, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """[N, columns]: each candidate's quantile, then its p-norm when ``norm`` and its masked p-norm
        when ``masking``, from one blur."""
        measured = np.empty((len(candidates), self.columns))
        mask = None
        if self.masking and candidates:
            mask = local_contrast(reference_luma, self.masking_sigma / self.downscale).ravel()
            mask += np.float32(self.masking)
        for i, candidate in enumerate(candidates):
            error = opsin_luma(self.shrink(candidate))
            error -= reference_luma
            blurred = np.abs(cv2.GaussianBlur(error, (0, 0), self.sigma / self.downscale)).ravel()
            measured[i, 0] = _quantile(blurred, self.quantile)
            if self.norm:
                measured[i, 1] = p_norm(blurred, self.norm)
            if mask is not None:
                measured[i, 2] = p_norm(blurred / mask, self.norm)
        return measured

    def peaks(self, reference_luma: np.ndarray, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """[N]: each candidate's quantile alone."""
        return replace(self, norm=0.0).measure(reference_luma, candidates)[:, 0]

    def shrink(self, rgb: np.ndarray) -> np.ndarray:
        """The picture area-averaged by ``downscale`` (unchanged when it is too small to shrink)."""
        height, width = rgb.shape[0] // self.downscale, rgb.shape[1] // self.downscale
        if self.downscale == 1 or min(height, width) < 1:
            return rgb
        return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)


class LumaStatistic(Protocol):
    """LumaPeak, or TorchLumaPeak with its maths on a torch device."""

    def measure(self, reference_luma: Any, candidates: Sequence[np.ndarray]) -> np.ndarray: ...

    def peaks(self, reference_luma: Any, candidates: Sequence[np.ndarray]) -> np.ndarray: ...


def local_contrast(luma: np.ndarray, sigma: float) -> np.ndarray:
    """The RMS deviation of ``luma`` [H, W] float32 from its local mean, both in a Gaussian window of
    ``sigma`` px. Deviations, not the mean square minus the squared mean: that difference of two
    numbers near 0.5 loses the small contrasts of a smooth area to float32 rounding."""
    deviation = luma - cv2.GaussianBlur(luma, (0, 0), sigma)
    return np.sqrt(cv2.GaussianBlur(deviation * deviation, (0, 0), sigma))


def calibration_columns(statistic: LumaStatistic, full_size: LumaStatistic | None, luma: Any, full_size_luma: Any,
                        candidates: Sequence[np.ndarray]) -> np.ndarray:
    """PeakCalibration.apply's [N, columns]: ``statistic.measure``'s, then the ``full_size`` peaks
    (measured on ``full_size_luma``, the reference's luma at full size) when there is a full-size term."""
    measured = statistic.measure(luma, candidates)
    if full_size is None:
        return measured
    return np.column_stack([measured, full_size.peaks(full_size_luma, candidates)])


def _quantile(values: np.ndarray, q: float) -> float:
    """np.quantile's default (linear) estimate by partitioning only: twice as fast (it does not sort)."""
    low, high, fraction = quantile_ranks(values.size, q)
    ordered = np.partition(values, [low, high])
    return interpolate(ordered[low], ordered[high], fraction)


def p_norm(values: np.ndarray, p: float) -> float:
    """(mean values^p)^(1/p) of non-negative float32 values, summed in float64 (as the GPU path does)."""
    return float(np.mean(np.power(values, p, dtype=np.float64)) ** (1 / p))


def quantile_ranks(size: int, q: float) -> tuple[int, int, float]:
    """The two ascending ranks (0-based) the linear ``q`` quantile of ``size`` values lies between, and how far."""
    position = q * (size - 1)
    low = int(position)
    return low, min(low + 1, size - 1), position - low


def interpolate(lower: np.float32, upper: np.float32, fraction: float) -> float:
    """The quantile between its two order statistics, in their float32 as np.quantile computes it."""
    return float(lower + fraction * (upper - lower))


@dataclass(frozen=True)
class PeakCalibration:
    """logit P = net_scale * logit(P_net) + bias + peak_slope * ln(peak) + norm_slope * ln(p-norm)
    + masking_slope * ln(masked p-norm) + full_size_slope * ln(full-size peak), the peak and the two
    p-norms measured by LumaPeak(sigma, quantile, downscale, norm, masking, masking_sigma), the
    full-size peak by LumaPeak(full_size_sigma, full_size_quantile, downscale 1); without ``norm``
    (0) there is no p-norm term, without ``masking`` (0) no masked one, without
    ``full_size_quantile`` (0) no full-size term. With ``full_size_floor`` > 0 the full-size term
    reads ln max(full-size peak, floor) instead.

    Why a full-size term: averaging a saturated colour's chroma (4:2:0) changes its luminance along
    its edges, in lines one or two pixels wide, which the 2x2 area average under the peak cancels;
    measured at full size they show (docs/experiments.md, HEIC's saturated graphic). Why a floor: on
    a smooth gradient the full-size peak stays tiny while banding shows, and its term would reward
    the tiny value; read no lower than the floor, the term only penalises (docs/experiments.md)."""

    net_scale: float
    bias: float
    peak_slope: float
    sigma: float = DEFAULT_SIGMA
    quantile: float = DEFAULT_QUANTILE
    downscale: int = DEFAULT_DOWNSCALE
    norm: float = 0.0
    norm_slope: float = 0.0
    masking: float = 0.0
    masking_sigma: float = MASKING_SIGMA
    masking_slope: float = 0.0
    full_size_quantile: float = 0.0
    full_size_sigma: float = FULL_SIZE_SIGMA
    full_size_slope: float = 0.0
    full_size_floor: float = 0.0

    def __post_init__(self) -> None:
        values = asdict(self).values()
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise ValueError("peak calibration: every field must be a finite number")
        if not 0 < self.sigma <= MAX_SIGMA or not 0 < self.quantile < 1:
            raise ValueError(f"peak calibration: sigma must be in (0, {MAX_SIGMA:g}] and quantile within (0, 1)")
        if not isinstance(self.downscale, int) or not 1 <= self.downscale <= MAX_DOWNSCALE:
            raise ValueError(f"peak calibration: downscale must be an integer from 1 to {MAX_DOWNSCALE}")
        if not 0 <= self.norm <= MAX_NORM:
            raise ValueError(f"peak calibration: norm must be 0 (the quantile alone) or a power up to {MAX_NORM:g}")
        if self.norm_slope and not self.norm:
            raise ValueError("peak calibration: a norm_slope needs the norm it weighs")
        if self.masking < 0 or (self.masking and not self.norm) or not 0 < self.masking_sigma <= MAX_SIGMA:
            raise ValueError("peak calibration: masking must be 0 (none) or a positive contrast beside a norm, "
                             f"masking_sigma in (0, {MAX_SIGMA:g}]")
        if self.masking_slope and not self.masking:
            raise ValueError("peak calibration: a masking_slope needs the masking it weighs")
        if not 0 < self.full_size_sigma <= MAX_SIGMA or not 0 <= self.full_size_quantile < 1:
            raise ValueError(f"peak calibration: full_size_sigma must be in (0, {MAX_SIGMA:g}] and "
                             "full_size_quantile 0 (no full-size term) or within (0, 1)")
        if (self.full_size_slope or self.full_size_floor) and not self.full_size_quantile:
            raise ValueError("peak calibration: a full_size_slope or full_size_floor needs the full_size_quantile "
                             "it applies to")
        if self.full_size_floor < 0:
            raise ValueError("peak calibration: full_size_floor must be 0 (none) or positive")

    @property
    def statistic(self) -> LumaPeak:
        return LumaPeak(self.sigma, self.quantile, self.downscale, self.norm, self.masking, self.masking_sigma)

    @property
    def full_size(self) -> LumaPeak | None:
        """The full-size term's statistic (its peaks are ``apply``'s last column), None without one."""
        return LumaPeak(self.full_size_sigma, self.full_size_quantile, downscale=1) if self.full_size_quantile else None

    def apply(self, net_probabilities: np.ndarray, measured: np.ndarray) -> np.ndarray:
        """Calibrated P(perceptually lossless), float64 like the network's; ``measured``: ``statistic.measure``'s
        [N, columns], then the ``full_size`` peaks as one more column when there is a full-size term
        (or the peaks alone, [N], without either)."""
        logs = log_peak(measured).reshape(len(net_probabilities), -1)
        z = self.net_scale * _logit(net_probabilities) + self.bias + self.peak_slope * logs[:, 0]
        if self.norm:
            z += self.norm_slope * logs[:, 1]
        if self.masking:
            z += self.masking_slope * logs[:, 2]
        if self.full_size_quantile:
            z += self.full_size_slope * floored_log(logs[:, self.statistic.columns], self.full_size_floor)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -_Z_CLIP, _Z_CLIP)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PeakCalibration:
        """The inverse of to_dict; ValueError on unknown or missing fields. A head written before
        ``norm_slope`` existed read its p-norm instead of the peak: its slope is the norm's."""
        if data.get("norm") and "norm_slope" not in data and "peak_slope" in data:
            data = {**data, "peak_slope": 0.0, "norm_slope": data["peak_slope"]}
        return cls(**data)


def heads_problem(calibration: PeakCalibration | None, heads: Mapping[str, PeakCalibration]) -> str | None:
    """Why codec ``heads`` cannot sit beside the file's ``calibration`` (None: they can). The
    judge prepares each reference's luma once, at the file's downscale, for whichever codec: a head
    needs that calibration (the one for the codecs without a head) and its downscale; its blur,
    reduction (quantile or norm) and full-size term may be its own (the judge prepares the full-size
    luma too when any head reads it)."""
    if heads and (calibration is None or any(head.downscale != calibration.downscale for head in heads.values())):
        return "codec calibrations need the file's calibration and must measure the luma at its downscale"
    return None


def fit_peak_calibration(
    net_probabilities: np.ndarray, measured: np.ndarray, labels: np.ndarray, statistic: LumaPeak = LumaPeak(),
    *, full_size: LumaPeak | None = None, full_size_floor: float = 0.0, iterations: int = 50,
) -> PeakCalibration:
    """Maximum-likelihood logistic regression of the (soft) labels on [logit P_net, 1, ln peak] (and
    ln p-norm when ``statistic`` has a norm, ln masked p-norm when it has masking, ln max(full-size
    peak, ``full_size_floor``) with ``full_size``); ``measured`` must be ``statistic.measure``'s,
    then ``full_size.peaks`` as one more column (PeakCalibration.apply).

    Newton's method (IRLS) in float64 from zero: the problem is convex, so it converges to the one
    optimum whatever the data order, and the answer is deterministic. A tiny ridge keeps it finite
    when the pairs are separable.
    """
    if not len(labels) == len(measured) == len(net_probabilities) or len(labels) < 3:
        raise ValueError("peak calibration needs at least 3 pairs with a probability, a peak and a label each")
    if full_size is not None and full_size.downscale != 1:
        raise ValueError("peak calibration: the full-size term is measured at downscale 1")
    if full_size_floor and full_size is None:
        raise ValueError("peak calibration: a full-size floor needs the full-size term")
    columns = statistic.columns + (full_size is not None)
    logs = log_peak(measured).reshape(len(labels), -1)[:, :columns]
    if logs.shape[1] != columns:
        raise ValueError("peak calibration: a norm or a full-size term needs its statistic measured beside each peak")
    if full_size is not None:
        logs[:, -1] = floored_log(logs[:, -1], full_size_floor)
    x = np.column_stack([_logit(net_probabilities), np.ones(len(labels)), logs])
    y = np.asarray(labels, np.float64)
    ridge = 1e-9 * len(y) * np.eye(x.shape[1])
    coef = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ coef)))
        step = np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]) + ridge, x.T @ (y - p) - ridge @ coef)
        coef += step
        if np.max(np.abs(step)) < 1e-10:
            break
    fitted = PeakCalibration(float(coef[0]), float(coef[1]), float(coef[2]), **asdict(statistic),
                             norm_slope=float(coef[3]) if statistic.norm else 0.0,
                             masking_slope=float(coef[4]) if statistic.masking else 0.0)
    if full_size is None:
        return fitted
    return replace(fitted, full_size_quantile=full_size.quantile, full_size_sigma=full_size.sigma,
                   full_size_slope=float(coef[-1]), full_size_floor=full_size_floor)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, np.float64), _P_CLIP, 1 - _P_CLIP)
    return np.log(p / (1 - p))


def floored_log(logs: np.ndarray, floor: float) -> np.ndarray:
    """``logs`` (ln peaks) read no lower than ln ``floor`` (unchanged when ``floor`` is 0)."""
    return np.maximum(logs, math.log(floor)) if floor else logs


def log_peak(peaks: np.ndarray) -> np.ndarray:
    """ln(peak), floored so that an identical candidate gives a large finite value, as the fit and training see it."""
    return np.log(np.maximum(np.asarray(peaks, np.float64), _PEAK_FLOOR))
