#!/usr/bin/env python3
"""Switch a weights file's test-time flips (the config's ``flip_average``) on or off, keeping the
network, its training record and every calibration as they are.

Why a step of its own: `make model` fits the heads on the network's probability for the patches as
cut, then switches the flips on for inference (measured to keep every codec's held-out and guard
results: weights/MODEL_CARD.md). `make model-strict` starts from that file with them off again, as
its heads were fitted and measured.

Usage: .venv/bin/python scripts/set_flip_average.py WEIGHTS on|off -o OUT
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from vpjnd_cli.model.header import read_header
from vpjnd_cli.model.weights import load_model, save_weights


def set_flip_average(source: Path, destination: Path, flip_average: bool) -> None:
    """Write ``source`` to ``destination`` with ``flip_average`` set (in place when they are one)."""
    header = read_header(source)
    model = load_model(source)
    model.config = replace(model.config, flip_average=flip_average)
    save_weights(model, destination, training=header.training, ema=header.ema,
                 calibration=header.calibration, codec_calibrations=dict(header.codec_calibrations))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path)
    parser.add_argument("state", choices=("on", "off"))
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    set_flip_average(args.weights, args.output, args.state == "on")


if __name__ == "__main__":
    main()
