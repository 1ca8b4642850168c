"""What each codec that keeps alpha does to the alpha plane along its ladder (a benchmark, not a test).

    .venv/bin/python bench/bench_alpha.py [--size 320x256] [--codecs webp,avif,heic,bpg]

The picture is tests/pictures.py's transparent_picture (seeded: a soft round edge, a hard-edged
opaque block, a half-transparent block, fully transparent corners). For each sampled level: the
largest and mean absolute alpha error of the decoded file, the share of alpha samples decoded
exactly, and the bytes the alpha plane adds (RGBA file minus the RGB file at the same level).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from pictures import transparent_picture  # noqa: E402

from vpjnd_cli.codecs import get_codec  # noqa: E402
from vpjnd_cli.codecs.base import CodecOptions, Level  # noqa: E402

LEVELS = {"webp": (100, 90, 75, 50, 25, 0), "avif": (100, 90, 75, 50, 25, 0), "heic": (0, 10, 20, 30, 40, 51),
          "bpg": (0, 10, 20, 30, 40, 51)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="320x256", help="WxH of the picture")
    parser.add_argument("--codecs", default="webp,avif,heic,bpg")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    rgba = transparent_picture(height, width, seed=0)
    print(f"transparent_picture({height}, {width}, seed=0); BPG: built-in back-end")
    print("| codec | level | alpha max error | mean error | exact samples | bytes for alpha |")
    print("|---|---|---|---|---|---|")
    for name in args.codecs.split(","):
        codec = get_codec(name, CodecOptions(bpg_backend="builtin"))
        for setting in LEVELS[name]:
            level = Level(setting)
            data = codec.encode(rgba, level)
            error = np.abs(codec.decode(data)[..., 3].astype(int) - rgba[..., 3])
            extra = len(data) - len(codec.encode(np.ascontiguousarray(rgba[..., :3]), level))
            print(f"| {name} | {codec.setting_name} {setting} | {error.max()} | {error.mean():.3f} | "
                  f"{(error == 0).mean():.1%} | {extra:+,} |")


if __name__ == "__main__":
    main()
