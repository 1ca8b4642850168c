"""The VP-JNDnet judge: the trained network, patches batched per block of candidates, and the luma-peak
calibration of its weights file when it has one (model/peak.py).

On the CPU the network runs from its ONNX graph beside the weights file (model/graph.py) when the
graph was exported from that file, without importing torch; otherwise, and on a GPU, torch runs it.
On a CUDA GPU the per-picture maths go there too: the JND map (jnd/on_torch.py) and the luma peak
of a whole block (model/peak_on_torch.py), which take longer on one CPU core than the network's block
on the GPU.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vpjnd_cli.errors import InputError, ToolMissingError
from vpjnd_cli.judges.base import Judge
from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.graph import accelerator_visible, graph_judge
from vpjnd_cli.model.header import read_header
from vpjnd_cli.model.locate import require_weights
from vpjnd_cli.model.peak import LumaPeak, PeakCalibration, calibration_columns
from vpjnd_cli.model.scoring import PatchScorer, PreparedPicture
from vpjnd_cli.model.served import PatchedPicture, Send, ServedScorer

if TYPE_CHECKING:
    import torch

    from vpjnd_cli.model.network import VPJNDNet
    from vpjnd_cli.model.peak_on_torch import TorchLumaPeak

@dataclass(frozen=True)
class PreparedReference:
    """The network's prepared picture and, when the judge is calibrated, the reference's luma for the
    peak, and its luma at full size when a calibration of the file has a full-size term."""

    network: PreparedPicture | PatchedPicture
    luma: Any  # LumaPeak.reference's array, TorchLumaPeak.reference's tensor, or None
    full_size_luma: Any = None


class NetworkJudge(Judge):
    """Loads the weights once (``--weights`` or the installed model; exit 3 when there are none)."""

    name = "vpjndnet"

    def __init__(self, weights: Path | None = None, *, device: str = "auto", peak_calibration: bool = True,
                 send: Send | None = None) -> None:
        """``device``: see network_scorer; ``peak_calibration`` False: the network alone, ignoring
        the file's calibration (research); ``send``: the network is another process's
        (model/served.py), not loaded here."""
        path = require_weights(weights)
        if not path.is_file():
            raise ToolMissingError(f"VP-JNDnet weights file not found: {path}; use --judge pjnd or --weights PATH")
        header = read_header(path)
        self.scorer: PatchScorer | ServedScorer = (
            network_scorer(path, header.config, device) if send is None else ServedScorer(header.config, send)
        )
        self.weights: Path | None = path
        self._calibrate(header.calibration if peak_calibration else None,
                        header.codec_calibrations if peak_calibration else {})
        self._maths_where_the_network_runs(device)

    @classmethod
    def from_model(cls, model: VPJNDNet, device: torch.device,
                   calibration: PeakCalibration | None = None) -> NetworkJudge:
        """A network in memory (training), float32 for reproducibility; alone unless ``calibration`` is given."""
        from vpjnd_cli.model.inference import PatchJudge

        judge = cls.__new__(cls)
        judge.scorer = PatchJudge(model, device, half=False)
        judge.weights = None
        judge._calibrate(calibration, {})
        judge._maths_where_the_network_runs(str(device))
        return judge

    def _calibrate(self, calibration: PeakCalibration | None, heads: dict[str, PeakCalibration]) -> None:
        """``heads``: a calibration per codec; they measure the peak as ``calibration`` does (read_header)."""
        self.calibration = calibration
        self.codec_calibrations = heads
        self.maths_device: torch.device | None = None
        self._place_statistics()

    def _place_statistics(self) -> None:
        """The calibration's statistics where this judge's maths run, and the full-size reference
        luma's (``full_size_reference``) when any calibration of the file reads it, so that a
        prepared reference serves every codec's head."""
        calibration = self.calibration
        self.peak: LumaPeak | TorchLumaPeak | None = None if calibration is None else self._peak_for(
            calibration.statistic)
        full_size = None if calibration is None else calibration.full_size
        self.full_size_peak = None if full_size is None else self._peak_for(full_size)
        read = [c for c in (calibration, *self.codec_calibrations.values()) if c is not None and c.full_size]
        self.full_size_reference = self._peak_for(LumaPeak(downscale=1)) if read else None

    def for_codec(self, codec: str) -> NetworkJudge:
        """This judge with the codec's own calibration when the file has one (its head), which
        may reduce the luma error its own way; the network, its engine and the prepared references
        (whose luma every head shares: model/peak.py, heads_problem) are shared."""
        head = self.codec_calibrations.get(codec)
        if head is None or head == self.calibration or self.calibration is None:
            return self
        judge = copy.copy(self)  # the full-size reference luma's statistic is the file's, shared
        judge.calibration = head
        if head.statistic != self.calibration.statistic:
            judge.peak = self._peak_for(head.statistic)
        if head.full_size != self.calibration.full_size:
            judge.full_size_peak = None if head.full_size is None else self._peak_for(head.full_size)
        return judge

    def _maths_where_the_network_runs(self, device: str) -> None:
        """On a CUDA GPU the JND map and the luma peak run there as well. A worker whose blocks a
        judge server scores on this machine's GPU (``device`` not cpu) uses that GPU too: its
        maths then run the same kernels as one process holding the model, so that ``-j N`` writes
        the bytes ``-j 1`` writes. (Ray's tasks hold no GPU: jobs/cluster.py gives them cpu.)"""
        target = getattr(self.scorer, "device", None)  # torch's scorer (PatchJudge) has one
        if isinstance(self.scorer, ServedScorer) and device != "cpu" and accelerator_visible():
            from vpjnd_cli.model.device import resolve_device

            target = resolve_device(device)
        if target is not None and target.type == "cuda":
            self.run_maths_on(target)

    def run_maths_on(self, device: torch.device) -> None:
        """Compute the JND map and the luma peak with torch on ``device`` (a CUDA GPU by itself;
        tests also choose the CPU, to check them against the OpenCV path)."""
        import torch

        if device.type == "cuda":  # the same convolution algorithms in every process, as PatchJudge chooses
            torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = False, True
        self.maths_device = device
        self._place_statistics()

    def _peak_for(self, statistic: LumaPeak) -> LumaPeak | TorchLumaPeak:
        """``statistic`` measured where this judge's maths run."""
        if self.maths_device is None:
            return statistic
        from vpjnd_cli.model.peak_on_torch import TorchLumaPeak

        return TorchLumaPeak(statistic, self.maths_device)

    def jnd_map(self, picture: np.ndarray, model: str) -> np.ndarray:
        if self.maths_device is None:
            return super().jnd_map(picture, model)
        from vpjnd_cli.jnd.on_torch import jnd_map_on

        return jnd_map_on(picture, model, self.maths_device)

    def prepare(self, reference: np.ndarray, jnd_map: np.ndarray) -> PreparedReference:
        luma = None if self.peak is None else self.peak.reference(reference)
        full_size = None if self.full_size_reference is None else self.full_size_reference.reference(reference)
        return PreparedReference(self.scorer.prepare(reference, jnd_map), luma, full_size)

    def probabilities(self, prepared: PreparedReference, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """P per candidate; a weights file whose finite values still overflow to NaN is an InputError."""
        answer = self.scorer.probabilities(prepared.network, candidates)  # type: ignore[arg-type]
        if self.calibration is not None and self.peak is not None and prepared.luma is not None:
            measured = calibration_columns(self.peak, self.full_size_peak, prepared.luma, prepared.full_size_luma,
                                           candidates)
            answer = self.calibration.apply(answer, measured)
        if self.weights is not None and not np.all(np.isfinite(answer)):
            raise InputError("the network's answer is not a number (its values overflow): unusable weights",
                             self.weights)
        return answer


def network_scorer(weights: Path, config: NetConfig, device: str) -> PatchScorer:
    """The network on ``device``: the ONNX graph beside ``weights`` when it was exported from them and
    the network runs on the CPU (``cpu``, or ``auto`` without a GPU), else torch (a GPU, or weights
    without a usable graph: the same answers, after torch's import)."""
    graph = graph_judge(weights, config) if device in ("auto", "cpu") else None
    if graph is not None and (device == "cpu" or not accelerator_visible()):
        return graph
    from vpjnd_cli.model.device import resolve_device
    from vpjnd_cli.model.inference import PatchJudge

    target = resolve_device(device)
    if graph is not None and target.type == "cpu":  # a GPU this torch cannot use
        return graph
    return PatchJudge.from_weights(weights, target)
