"""The header of a VP-JNDnet weights file, read without torch: the network judge on the CPU runs
from it and the file's ONNX graph (model/graph.py), so `vpjnd compress` never imports torch there."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safetensors import SafetensorError, safe_open

from vpjnd_cli.errors import InputError
from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.peak import PeakCalibration, heads_problem

FORMAT = "vpjndnet"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class WeightsHeader:
    """What the safetensors header metadata of a weights file says."""

    config: NetConfig
    format_version: int
    training: dict[str, Any]
    ema: bool
    calibration: PeakCalibration | None = None  # None: the network's probability is the answer
    # a codec's own calibration (its head), fitted on that codec's pairs; other codecs use ``calibration``
    codec_calibrations: dict[str, PeakCalibration] = field(default_factory=dict)


def read_header(path: Path) -> WeightsHeader:
    """The header of a VP-JNDnet weights file; anything else is an InputError naming the file."""
    with open_safetensors(path, "numpy") as f:
        metadata = f.metadata() or {}
    if metadata.get("format") != FORMAT:
        raise InputError(f"not a VP-JNDnet weights file (no format={FORMAT!r} in the safetensors header)", path)
    version = metadata.get("format_version")
    if version != str(FORMAT_VERSION):
        raise InputError(f"weights format version {version!r} is not supported (this vpjnd reads {FORMAT_VERSION})",
                         path)
    try:
        config = NetConfig.from_dict(json.loads(metadata["config"]))
        training = json.loads(metadata.get("training", "{}"))
        ema = json.loads(metadata.get("ema", "false"))
    except (KeyError, ValueError) as error:
        raise InputError(f"bad network config in the weights header: {error}", path) from None
    if not isinstance(training, dict) or not isinstance(ema, bool):
        raise InputError("bad weights header: training must be an object and ema a boolean", path)
    calibration = None
    heads: dict[str, PeakCalibration] = {}
    try:
        if "peak_calibration" in metadata:
            calibration = PeakCalibration.from_dict(json.loads(metadata["peak_calibration"]))
        if "codec_peak_calibrations" in metadata:
            heads = {codec: PeakCalibration.from_dict(fields)
                     for codec, fields in json.loads(metadata["codec_peak_calibrations"]).items()}
    except (TypeError, ValueError, AttributeError) as error:
        raise InputError(f"bad peak calibration in the weights header: {error}", path) from None
    problem = heads_problem(calibration, heads)
    if problem:
        raise InputError(f"bad weights header: {problem}", path)
    return WeightsHeader(config, FORMAT_VERSION, training, ema, calibration, heads)


def open_safetensors(path: Path, framework: str) -> Any:
    """safe_open with the reasons a file cannot be read turned into InputError."""
    if not Path(path).is_file():
        raise InputError("weights file not found", path)
    try:
        return safe_open(str(path), framework=framework, device="cpu")
    except (SafetensorError, OSError) as error:
        raise InputError(f"not a readable safetensors file ({error})", path) from None
