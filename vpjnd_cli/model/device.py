"""Choice of the torch device and of the reduced precision that is safe on it."""

from __future__ import annotations

import torch

from vpjnd_cli.errors import UsageError

DEVICES = ("auto", "cpu", "cuda", "mps")


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


def resolve_device(name: str = "auto") -> torch.device:
    """Map "auto" to cuda, then mps, then cpu; an explicit accelerator that is absent is a UsageError."""
    kind, _, index = name.partition(":")
    if kind not in DEVICES or (index and (kind != "cuda" or not index.isdigit())):
        raise UsageError(f"unknown device {name!r}; choose from {', '.join(DEVICES)} (or cuda:N)")
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if _mps_available() else "cpu")
    if kind == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise UsageError(f"device {name!r} asked for, but this torch build sees no CUDA GPU; use cpu or auto")
        if index and int(index) >= count:
            raise UsageError(f"device {name!r} asked for, but only {count} CUDA GPU(s) are visible")
    if kind == "mps" and not _mps_available():
        raise UsageError("device 'mps' asked for, but Metal (MPS) is not available here; use cpu or auto")
    return torch.device(name)


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """bfloat16 on a CUDA GPU that supports it, else None (float32).

    float16 is not used: the non-local affinities (dot products over 256 channels) can pass its
    65,504 ceiling; bfloat16 keeps float32's range. CPU stays float32 so results are reproducible,
    and MPS too (its autocast coverage varies between torch releases).
    """
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return None
