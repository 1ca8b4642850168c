"""Pixel-wise JND maps: the visibility threshold, in grey levels, of every pixel of a picture.

Models: ``epc`` (Wu et al. 2017, the authors' official code; the default) and ``namm``
(Yang et al. 2005). Both run on BT.601 luma. This package imports OpenCV, so the CLI must import
it lazily, inside the command that needs it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vpjnd_cli.imageio.colour import luma_bt601
from vpjnd_cli.jnd.epc import epc_jnd
from vpjnd_cli.jnd.namm import namm_jnd

_MODELS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"epc": epc_jnd, "namm": namm_jnd}
MODELS: tuple[str, ...] = tuple(_MODELS)
DEFAULT_MODEL = "epc"


def jnd_map(picture: np.ndarray, model: str = DEFAULT_MODEL) -> np.ndarray:
    """JND map (float32, HxW, grey levels) of an HxW grey or HxWx3 RGB uint8 picture."""
    try:
        compute = _MODELS[model]
    except KeyError:
        raise ValueError(f"unknown JND model {model!r}; choose from {', '.join(MODELS)}") from None
    if picture.ndim not in (2, 3) or picture.shape[0] == 0 or picture.shape[1] == 0:
        raise ValueError(f"expected a non-empty HxW or HxWx3 picture, got shape {picture.shape}")
    return compute(luma_bt601(picture))


__all__ = ["DEFAULT_MODEL", "MODELS", "jnd_map"]
