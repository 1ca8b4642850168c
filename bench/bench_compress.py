"""End-to-end `vpjnd compress` timings per judge (not a test), side by side in one run.

    .venv/bin/python bench/bench_compress.py --image PHOTO [--codec jpeg] [--repeat 3]

The picture is cut to 1920x1080 (area downscale + centre crop). The vpjndnet judge uses
``--weights``, else the installed model ($VPJND_WEIGHTS or the shipped vpjnd_cli/weights/), else a
released-size network with seeded random weights (no trained weights are needed to time it).
For each judge it prints the in-process time of one compress (model loading included, Python
and torch start-up excluded), the time of a whole `vpjnd compress` process (wall and CPU), the level, and the
number of evaluations and batches; and the per-stage seconds of the search.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.resize import cover_and_crop


def random_weights(folder: Path) -> Path:
    import torch

    from vpjnd_cli.model.config import NetConfig
    from vpjnd_cli.model.network import VPJNDNet
    from vpjnd_cli.model.weights import save_weights

    torch.manual_seed(0)
    path = folder / "random.safetensors"
    save_weights(VPJNDNet(NetConfig()), path, training={"note": "random weights, for timing only"})
    return path


def compress_in_process(args: list[str]) -> dict:
    from contextlib import redirect_stdout
    from io import StringIO

    from vpjnd_cli.cli import run

    out = StringIO()
    with redirect_stdout(out):
        code = run([*args, "--json", "--force"])
    if code != 0:
        raise SystemExit(f"compress failed with exit code {code}")
    return json.loads(out.getvalue().splitlines()[-1])


def child_cpu_seconds() -> float:
    """User + system time of the finished child processes: on a busy machine, steadier than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("--judges", default="pjnd,vpjndnet")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--device", default="auto", help="device for the network judge")
    parser.add_argument("--weights", type=Path, help="weights (default: the installed model, else random)")
    options = parser.parse_args()
    width, height = (int(v) for v in options.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        from vpjnd_cli.model.locate import default_weights_path

        installed = options.weights or default_weights_path()
        source = folder / "in.png"
        Image.fromarray(cover_and_crop(load_image(options.image).rgb, width, height)).save(source)
        suffix = {"jpeg": ".jpg"}.get(options.codec, f".{options.codec}")
        print(f"picture: {options.image} cut to {width}x{height}; codec {options.codec}; best of {options.repeat}; "
              f"device {options.device}; weights {installed or 'random (seed 0)'}")
        for judge in options.judges.split(","):
            weights = installed or (random_weights(folder) if judge == "vpjndnet" else None)
            extra = ["--weights", str(weights), "--device", options.device] if judge == "vpjndnet" else []
            args = ["compress", str(source), "-o", str(folder / f"out{suffix}"), "--codec", options.codec,
                    "--judge", judge, *extra]
            records = []
            for _ in range(options.repeat):
                start = time.perf_counter()
                record = compress_in_process(args)
                record["wall"] = time.perf_counter() - start
                records.append(record)
            best = min(records, key=lambda r: r["wall"])
            start, cpu = time.perf_counter(), child_cpu_seconds()
            subprocess.run([sys.executable, "-m", "vpjnd_cli", *args, "--force"], check=True, capture_output=True)
            process, process_cpu = time.perf_counter() - start, child_cpu_seconds() - cpu
            stages = ", ".join(f"{k} {v:.3f}" for k, v in best["seconds"].items())
            print(
                f"{judge:9s} in-process {best['wall']:.2f} s (median {np.median([r['wall'] for r in records]):.2f})"
                f"  whole process {process:.2f} s (CPU {process_cpu:.2f} s)  level {best['written_level']}  "
                f"{best['evaluations']} evaluations in {best['batches']} batches\n          stages: {stages}"
            )


if __name__ == "__main__":
    main()
