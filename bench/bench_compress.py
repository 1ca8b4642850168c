"""End-to-end `vpjnd compress` timings per judge (not a test), side by side in one run.

    .venv/bin/python bench/bench_compress.py --image PHOTO [--codec jpeg] [--repeat 3] [--processes 5]
        [--judges pjnd,vpjndnet,vpjndnet-torch,vpjndnet-block] [--cjxl]

The picture is cut to 1920x1080 (area downscale + centre crop). The vpjndnet judge uses
``--weights``, else the installed model ($VPJND_WEIGHTS or the shipped vpjnd_cli/weights/), else a
released-size network with seeded random weights (no trained weights are needed to time it).
``vpjndnet-torch`` is the same judge on a copy of the weights without their ONNX graph, so torch
runs the network (what a GPU, or weights whose graph is missing or stale, get); ``vpjndnet-block``
is the default judge with the paper's block search (``--search block``) instead of the spread search.
``--cjxl`` adds the row ``cjxl -d 1`` (whole processes, taking turns with the others) and each
row's ratio to it.
For each judge it prints the in-process time of one compress (model loading included, Python
start-up excluded), the median wall and CPU time of ``--processes`` whole `vpjnd compress` processes
(the judges take turns, so a busy machine slows them alike), whether such a process imports torch
(``python -X importtime``), the level, and the number of evaluations and batches; and the per-stage
seconds of the search.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
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
        code = run([*args, "--json"])
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
    parser.add_argument("--judges", default="pjnd,vpjndnet,vpjndnet-torch")
    parser.add_argument("--cjxl", action="store_true", help="also time `cjxl -d 1` on the same picture")
    parser.add_argument("--repeat", type=int, default=3, help="in-process runs per judge (the best is shown)")
    parser.add_argument("--processes", type=int, default=5, help="whole processes per judge (the median is shown)")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--device", default="auto", help="device for the network judge")
    parser.add_argument("--weights", type=Path, help="weights (default: the installed model, else random)")
    parser.add_argument("--baseline", help="another installation's python (another vpjnd version), timed as the "
                                           "row 'baseline' with the default judge: whole processes only")
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
        runs = {}
        for judge in options.judges.split(","):
            weights = installed or (random_weights(folder) if judge.startswith("vpjndnet") else None)
            if judge == "vpjndnet-torch":
                weights = without_graph(weights, folder / "torch")
            name = judge.removesuffix("-torch").removesuffix("-block")
            extra = ["--weights", str(weights), "--device", options.device] if name == "vpjndnet" else []
            extra += ["--search", "block"] if judge.endswith("-block") else []
            runs[judge] = ["compress", str(source), "-o", str(folder / f"out{suffix}"), "--codec", options.codec,
                           "--judge", name, *extra, "--force"]
        best = {judge: in_process(args, options.repeat) for judge, args in runs.items()}
        commands = {judge: [sys.executable, "-m", "vpjnd_cli", *args] for judge, args in runs.items()}
        if options.cjxl:
            commands["cjxl -d 1"] = ["cjxl", "-d", "1", str(source), str(folder / "peer.jxl")]
        if options.baseline:
            commands["baseline"] = [options.baseline, "-m", "vpjnd_cli", "compress", str(source), "-o",
                                    str(folder / f"base{suffix}"), "--codec", options.codec, "--force"]
        walls: dict[str, list[float]] = {row: [] for row in commands}
        cpus: dict[str, list[float]] = {row: [] for row in commands}
        for _ in range(options.processes):
            for row, command in commands.items():
                start, cpu = time.perf_counter(), child_cpu_seconds()
                subprocess.run(command, check=True, capture_output=True, cwd=folder)
                walls[row].append(time.perf_counter() - start)
                cpus[row].append(child_cpu_seconds() - cpu)
        peer = np.median(walls["cjxl -d 1"]) if options.cjxl else None
        for row, command in commands.items():
            record = best.get(row)
            vpjnd = command[0] != "cjxl"
            ratio = "" if peer is None else f"  {np.median(walls[row]) / peer:.1f}x cjxl -d 1"
            print(
                f"{row:14s} whole process median {np.median(walls[row]):.2f} s (CPU {np.median(cpus[row]):.2f} s;"
                f" {', '.join(f'{w:.2f}' for w in walls[row])})"
                + (f"  imports torch: {imports_torch(command, folder)}" if vpjnd else "") + ratio
            )
            if record is not None:
                stages = ", ".join(f"{k} {v:.3f}" for k, v in record["seconds"].items())
                print(f"               in-process {record['wall']:.2f} s  level {record['written_level']}  "
                      f"{record['evaluations']} evaluations in {record['batches']} batches; stages: {stages}")


def without_graph(weights: Path, folder: Path) -> Path:
    """A copy of ``weights`` in ``folder`` without the ONNX graph beside them: torch runs it."""
    folder.mkdir()
    return Path(shutil.copy(weights, folder / weights.name))


def in_process(args: list[str], repeat: int) -> dict:
    """The fastest of ``repeat`` in-process compresses, its wall time in "wall"."""
    records = []
    for _ in range(repeat):
        start = time.perf_counter()
        record = compress_in_process(args)
        record["wall"] = time.perf_counter() - start
        records.append(record)
    return min(records, key=lambda r: r["wall"])


def imports_torch(command: list[str], folder: Path) -> bool:
    """Whether a whole `python -m vpjnd_cli ...` ``command`` imports torch, by ``python -X importtime``."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], check=True,
                          capture_output=True, text=True, cwd=folder)
    return any(line.split("|")[-1].strip() == "torch" for line in done.stderr.splitlines())

if __name__ == "__main__":
    main()
