"""Pictures per minute with one process, -j 2 and `--executor ray`, side by side (not a test).

    .venv/bin/python bench/bench_scale.py PHOTO_DIR [--count 8] [--size 1920x1080] [--cpus 2]
        [--judge NAME] [--codec jpeg] [--repeat 1]

Cuts the first COUNT photos under PHOTO_DIR that cover SIZE to SIZE (as bench_batch.py does) and
runs the whole command `python -m vpjnd_cli compress IN -o OUT/ ...` in a fresh process for each
of: `-j 1`, `-j CPUS`, and `--executor ray -j CPUS` (a local Ray of CPUS CPUs, started and stopped
by the run). It checks that all three wrote byte-identical files and prints pictures per minute,
seconds per picture, and Ray's overhead: its start and stop (a separate `ray.init` + `shutdown`
with the same CPUs, timed alone) and the rest per picture against `-j CPUS`. Start-up and model
loading are included in every run, so few pictures favour `-j 1`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_batch import files_under, pick_photos
from PIL import Image

from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.resize import cover_and_crop

RAY_START = "import ray, sys; ray.init(num_cpus=int(sys.argv[1]), include_dashboard=False, logging_level='ERROR'); " \
            "ray.shutdown()"


def timed(command: list[str], repeat: int) -> float:
    """The best wall time of ``command`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", type=Path)
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--cpus", type=int, default=2, help="-j of the parallel runs and the local Ray's CPUs")
    parser.add_argument("--judge", help="default: compress's own default for the codec")
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("--repeat", type=int, default=1)
    options = parser.parse_args()
    width, height = (int(v) for v in options.size.split("x"))
    cpus = str(options.cpus)
    runs = {"-j 1": ["-j", "1"], f"-j {cpus}": ["-j", cpus],
            f"--executor ray -j {cpus}": ["--executor", "ray", "-j", cpus]}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        pictures = folder / "in"
        pictures.mkdir()
        for index, path in enumerate(pick_photos(options.photos, options.count, width, height)):
            Image.fromarray(cover_and_crop(load_image(path).rgb, width, height)).save(pictures / f"{index:02d}.png")
        print(f"{options.count} photos from {options.photos} cut to {width}x{height}; codec {options.codec}; judge "
              f"{options.judge or 'default'}; best of {options.repeat}; {os.cpu_count()} CPUs; load average before "
              f"{os.getloadavg()[0]:.2f}")
        seconds, outputs = {}, {}
        for name, extra in runs.items():
            out = folder / f"out{len(seconds)}"
            command = [sys.executable, "-m", "vpjnd_cli", "compress", str(pictures), "-o", f"{out}/", "-q", "--force",
                       "--codec", options.codec, *(["--judge", options.judge] if options.judge else []), *extra]
            seconds[name] = timed(command, options.repeat)
            outputs[name] = files_under(out)
            per_minute = 60 * options.count / seconds[name]
            print(f"{name:>22}: {seconds[name]:6.1f} s, {per_minute:5.1f} pictures/min, "
                  f"{seconds[name] / options.count:5.2f} s per picture")
        same = all(files == outputs["-j 1"] for files in outputs.values()) and len(outputs["-j 1"]) == options.count
        start = timed([sys.executable, "-c", RAY_START, cpus], options.repeat)
        rest = (seconds[f"--executor ray -j {cpus}"] - start - seconds[f"-j {cpus}"]) / options.count
        print(f"files: {'byte-identical in all runs' if same else 'DIFFERENT between runs'}")
        print(f"Ray overhead: {start:.1f} s to start and stop a local Ray of {cpus} CPUs, then {rest:+.2f} s per "
              f"picture against -j {cpus}; load average after {os.getloadavg()[0]:.2f}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
