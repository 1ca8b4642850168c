"""VP-JNDnet weights as safetensors: tensors plus a JSON header (config, format, training, EMA,
and the optional luma-peak calibration of model/peak.py).

No pickle anywhere: a weights file cannot run code. The config in the header rebuilds the network,
and a file whose tensors do not match what that config builds is refused as foreign.

Files are written by our own few lines of the safetensors layout rather than safetensors' save_file,
whose metadata map comes out in a different order on every call: the same model and header now give
the same bytes, so a retraining can be checked against the shipped file with a checksum.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any

import torch

from vpjnd_cli.errors import InputError
from vpjnd_cli.jsontext import dumps, nulled
from vpjnd_cli.model.device import resolve_device
from vpjnd_cli.model.header import FORMAT, FORMAT_VERSION, WeightsHeader, open_safetensors, read_header
from vpjnd_cli.model.locate import default_weights_path, require_weights
from vpjnd_cli.model.network import VPJNDNet
from vpjnd_cli.model.peak import PeakCalibration, heads_problem

_MAX_LISTED = 3  # mismatching tensor names quoted in a foreign-config message
_HEADER_ALIGNMENT = 8  # the safetensors layout pads its JSON header with spaces to a multiple of 8 bytes


def save_weights(
    model: VPJNDNet, path: Path, *, training: dict[str, Any] | None = None, ema: bool = False,
    calibration: PeakCalibration | None = None, codec_calibrations: dict[str, PeakCalibration] | None = None,
) -> None:
    """Write ``model`` with its config and calibrations (``codec_calibrations``: a head per codec,
    which needs ``calibration``); through a .part file so a crash never leaves half a file."""
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "config": dumps(model.config.to_dict(), sort_keys=True),
        "training": dumps(nulled(training or {}), sort_keys=True),
        "ema": json.dumps(ema),
    }
    if calibration is not None:
        metadata["peak_calibration"] = dumps(calibration.to_dict(), sort_keys=True)
    problem = heads_problem(calibration, codec_calibrations or {})
    if problem:
        raise ValueError(problem)
    if codec_calibrations:
        metadata["codec_peak_calibrations"] = dumps(
            {codec: head.to_dict() for codec, head in codec_calibrations.items()}, sort_keys=True)
    tensors = {name: t.detach().to("cpu", torch.float32).contiguous() for name, t in model.state_dict().items()}
    part = Path(f"{path}.part")
    part.write_bytes(_safetensors_bytes(tensors, metadata))
    os.replace(part, path)


def _safetensors_bytes(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> bytes:
    """float32 ``tensors`` and string ``metadata`` in the safetensors layout, canonically: tensors in
    name order, JSON keys sorted, no spaces. Layout: an 8-byte little-endian header length, the JSON
    header (each tensor's dtype, shape and byte range in the data; "__metadata__"), then the data."""
    header: dict[str, Any] = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        data = tensors[name].numpy().astype("<f4", copy=False).tobytes()
        shape = list(tensors[name].shape)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % _HEADER_ALIGNMENT)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def load_model(path: Path, device: torch.device | str = "cpu") -> VPJNDNet:
    """The network of a weights file, in eval mode on ``device``; a foreign config or a tensor that
    is not a finite floating-point array is an InputError.

    The network is first built without storage (torch's meta device), so a header that asks for
    a huge network costs nothing until its tensors, which the file must hold, have been checked.
    """
    header = read_header(path)
    with torch.device("meta"):
        model = VPJNDNet(header.config)
    expected = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    with open_safetensors(path, "pt") as f:
        found = {name: tuple(f.get_slice(name).get_shape()) for name in f.keys()}  # noqa: SIM118 - safe_open has keys(), not iteration
        problem = _mismatch(expected, found)
        if problem:
            raise InputError(f"tensors do not match the config in the header (foreign config): {problem}", path)
        tensors = {name: f.get_tensor(name) for name in expected}
    not_float = sorted(name for name, t in tensors.items() if not t.is_floating_point())
    if not_float:
        raise InputError(f"tensor {not_float[0]} is not floating point", path)
    not_finite = sorted(name for name, t in tensors.items() if not bool(torch.isfinite(t).all()))
    if not_finite:
        raise InputError(f"tensor {not_finite[0]} holds NaN or infinite values", path)
    model.load_state_dict({name: t.to(torch.float32) for name, t in tensors.items()}, strict=True, assign=True)
    target = resolve_device(device) if isinstance(device, str) else device
    return model.to(target).eval()


def _mismatch(expected: dict[str, tuple[int, ...]], found: dict[str, tuple[int, ...]]) -> str:
    """A short description of how ``found`` differs from ``expected`` ("" when they agree)."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    reshaped = sorted(n for n in set(expected) & set(found) if expected[n] != found[n])
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing ({', '.join(missing[:_MAX_LISTED])})")
    if extra:
        parts.append(f"{len(extra)} unexpected ({', '.join(extra[:_MAX_LISTED])})")
    parts += [f"{n} is {list(found[n])}, the config builds {list(expected[n])}" for n in reshaped[:_MAX_LISTED]]
    if len(reshaped) > _MAX_LISTED:
        parts.append(f"{len(reshaped) - _MAX_LISTED} more tensors differ in shape")
    return "; ".join(parts)


__all__ = [
    "FORMAT", "FORMAT_VERSION", "WeightsHeader", "default_weights_path", "load_model", "read_header",
    "require_weights", "save_weights",
]
