"""`vpjnd compress` over a folder with 1, 2, ... worker processes (not a test).

    .venv/bin/python bench/bench_batch.py PHOTO_DIR [--count 8] [--size 1920x1080] [--jobs 1,2]
        [--judge NAME] [--codec jpeg] [--repeat 2]

Takes the first COUNT photos under PHOTO_DIR (sorted by path) that cover SIZE, cuts them to SIZE
(area downscale + centre crop) as PNG files in a temporary folder, and runs, for each -j value,
the whole command `python -m vpjnd_cli compress IN -o OUT/ -j N` in a fresh process (start-up,
worker start and model loading included), best of REPEAT. It checks that every -j value wrote
byte-identical files and prints the wall times, the speed-up over the first -j value, the CPUs
and the load average (other work on the machine slows the parallel runs most).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.resize import cover_and_crop
from vpjnd_cli.jobs.inputs import PICTURE_SUFFIXES


def pick_photos(folder: Path, count: int, width: int, height: int) -> list[Path]:
    """The first ``count`` photos (by path) large enough to cover width x height without upscaling."""
    chosen = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in PICTURE_SUFFIXES):
        try:
            with Image.open(path) as image:
                size = image.size
        except OSError:
            continue
        if size[0] >= width and size[1] >= height:
            chosen.append(path)
            if len(chosen) == count:
                return chosen
    raise SystemExit(f"only {len(chosen)} photos under {folder} cover {width}x{height}; {count} are needed")


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", type=Path)
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--judge", help="default: compress's own default for the codec")
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--extra", default="", help="more compress options, e.g. '--device cuda --weights W'")
    options = parser.parse_args()
    width, height = (int(v) for v in options.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        pictures = folder / "in"
        pictures.mkdir()
        for index, path in enumerate(pick_photos(options.photos, options.count, width, height)):
            rgb = cover_and_crop(load_image(path).rgb, width, height)
            Image.fromarray(rgb).save(pictures / f"{index:02d}_{path.stem[:40]}.png")
        print(f"{options.count} photos from {options.photos} cut to {width}x{height}; codec {options.codec}; "
              f"judge {options.judge or 'default'}; best of {options.repeat}; {os.cpu_count()} CPUs; "
              f"load average before {os.getloadavg()[0]:.2f}")
        first_time, first_files = None, None
        for jobs in options.jobs.split(","):
            times = []
            for attempt in range(options.repeat):
                out = folder / f"out-j{jobs}-{attempt}"
                command = [sys.executable, "-m", "vpjnd_cli", "compress", str(pictures), "-o", f"{out}/", "-j", jobs,
                           *(["--judge", options.judge] if options.judge else []), "--codec", options.codec, "-q",
                           *options.extra.split()]
                start = time.perf_counter()
                subprocess.run(command, check=True)
                times.append(time.perf_counter() - start)
            files = files_under(out)
            best = min(times)
            first_time = first_time or best
            first_files = first_files or files
            same = "identical to the first -j" if files == first_files else "DIFFERENT from the first -j"
            print(f"-j {jobs}: {best:6.2f} s ({', '.join(f'{t:.2f}' for t in times)}), "
                  f"{first_time / best:.2f}x, {best / options.count:.2f} s per photo, {len(files)} files, {same}")
        shown = ["python", "-m", "vpjnd_cli", "compress", "IN", "-o", "OUT/", "-j", "N", *command[9:]]
        print(f"load average after {os.getloadavg()[0]:.2f}; each run: {' '.join(shown)}")


if __name__ == "__main__":
    main()
