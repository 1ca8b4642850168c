"""`--report F.html`: how fast its page opens and what it costs to write (not a test).

    .venv/bin/python bench/bench_report.py [--count 1000] [--photo PHOTO]

1. COUNT small seeded pictures (48x32) through `vpjnd predict --judge pjnd -j 2 --report r.html`,
   then the seconds until Debian's chromium shows the batch page's first screen with every
   thumbnail on it (best of 3, each in a fresh profile), and the page's and r_files/'s sizes.
2. With --photo: the photo cut to 1920x1080 (area downscale + centre crop) and compressed by
   `vpjnd compress` (JPEG, default judge) with and without --report, best of 2: the seconds and
   the bytes the report adds per picture.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import chromium, first_screen_seconds  # tests/browser.py
from pictures import natural_picture

from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.resize import cover_and_crop

CLI = [sys.executable, "-m", "vpjnd_cli"]


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def page_speed(folder: Path, count: int) -> None:
    pictures = folder / "in"
    pictures.mkdir()
    for seed in range(count):
        Image.fromarray(natural_picture(32, 48, seed=seed)).save(pictures / f"p{seed:04d}.png")
    report = folder / "r.html"
    seconds = timed([*CLI, "predict", str(pictures), "--judge", "pjnd", "-j", "2", "-q", "--report", str(report)])
    first = []
    for _ in range(3):
        with chromium(1280, 800) as browser:
            first.append(first_screen_seconds(browser.new_page(), report))
    print(f"{count} pictures: predict with the report {seconds:.1f} s; page {size_of(report):,} bytes, "
          f"r_files {size_of(folder / 'r_files'):,} bytes; first screen {min(first):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in first)})")


def photo_cost(folder: Path, photo: Path) -> None:
    source = folder / "photo.png"
    Image.fromarray(cover_and_crop(load_image(photo).rgb, 1920, 1080)).save(source)
    base = [*CLI, "compress", str(source), "-o", str(folder / "photo.jpg"), "-f", "-q"]
    plain = min(timed(base) for _ in range(2))
    report = folder / "photo.html"
    with_report = min(timed([*base, "--report", str(report)]) for _ in range(2))
    print(f"1920x1080 photo: compress {plain:.2f} s, with --report {with_report:.2f} s "
          f"(+{with_report - plain:.2f} s); report files {size_of(folder / 'photo_files'):,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--photo", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        page_speed(Path(folder), args.count)
        if args.photo is not None:
            photo_cost(Path(folder), args.photo)


if __name__ == "__main__":
    main()
