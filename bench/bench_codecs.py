"""Encode/decode speed and size of every registered codec along its ladder (a benchmark, not a test).

    .venv/bin/python bench/bench_codecs.py [--image PHOTO] [--codecs jpeg,webp] [--levels 100,75,50]

The picture is fitted (scaled to cover, centre-cropped) to --size, 1920x1080 by default. Without
--image the first photo of the ../shared corpus is used when it has been built there
(../shared/data/photos/build.sh), else a synthetic picture, which compresses unlike a photo.
For each codec and sampling: a table of sampled levels (encode, decode and final-encode
milliseconds, best of --repeat on fresh codec instances; bytes; RGB PSNR of the decoded
candidate), then a full ladder sweep (one encode + decode per level) with its total time and
every step where the file grows along the ladder.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from operator import methodcaller
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED_PHOTOS = REPO.parent / "shared" / "data" / "photos"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from pictures import natural_picture  # noqa: E402  (tests/pictures.py: the seeded test picture)

from vpjnd_cli.codecs import available_codecs, get_codec  # noqa: E402
from vpjnd_cli.codecs.base import Codec, CodecOptions, Level  # noqa: E402
from vpjnd_cli.errors import VpjndError  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path, help="a photo to fit to --size (default: ../shared corpus or synthetic)")
    parser.add_argument("--size", default="1920x1080", help="WxH the picture is fitted to")
    parser.add_argument("--codecs", default=",".join(available_codecs()), help="comma-separated codec names")
    parser.add_argument("--chroma", default="420,444", help="comma-separated samplings: 420, 444, both")
    parser.add_argument("--levels", help="comma-separated settings to time (default: every --every-th setting)")
    parser.add_argument("--every", type=int, default=10, help="time every n-th setting when --levels is absent")
    parser.add_argument("--repeat", type=int, default=3, help="timings are the best of this many runs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--effort", type=int, help="the codecs' effort knob (default: each codec's own)")
    parser.add_argument("--no-sweep", action="store_true", help="skip the full ladder sweep")
    return parser.parse_args()


def load_picture(image: Path | None, size: str) -> tuple[np.ndarray, str]:
    """The benchmark picture and a line saying where it came from."""
    width, height = (int(v) for v in size.lower().split("x"))
    if image is None:
        corpus = sorted(p for p in SHARED_PHOTOS.rglob("*") if p.suffix.lower() in {".jpg", ".png"})
        image = corpus[0] if corpus else None
    if image is None:
        note = "synthetic picture (no --image and no built photo corpus): sizes and speeds differ from photos"
        return natural_picture(height, width), note
    with Image.open(image) as opened:
        picture = opened.convert("RGB")
    scale = max(width / picture.width, height / picture.height)
    scaled = picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.Resampling.LANCZOS)
    left, top = (scaled.width - width) // 2, (scaled.height - height) // 2
    return np.asarray(scaled.crop((left, top, left + width, top + height))), f"{image} fitted to {width}x{height}"


def best_ms(make: Callable[[], Codec], call: Callable[[Codec], object], repeat: int) -> float:
    """Best time of ``call`` over ``repeat`` runs, each on a fresh codec so no memoised result is timed."""
    times = []
    for _ in range(repeat):
        codec = make()
        start = time.perf_counter()
        call(codec)
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def sampled(levels: list[Level], wanted: str | None, every: int) -> list[Level]:
    """The rungs to time: those with the wanted settings, else every n-th setting plus the last."""
    settings = list(dict.fromkeys(level.setting for level in levels))
    chosen = {int(v) for v in wanted.split(",")} if wanted else {*settings[::every], settings[-1]}
    return [level for level in levels if level.setting in chosen]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def table(make: Callable[[], Codec], chroma: str, rgb: np.ndarray, levels: list[Level], repeat: int) -> None:
    codec = make()
    for level in levels:
        data = codec.encode(rgb, level)
        quality = psnr(rgb, codec.decode(data))
        calls = [methodcaller("encode", rgb, level), methodcaller("decode", data)]
        calls.append(methodcaller("encode_final", rgb, level))
        timings = " ".join(f"{best_ms(make, call, repeat):9.1f}" for call in calls)
        print(f"{codec.name:5} {chroma:5} {level.label:>7} {timings} {len(data):10d} {quality:8.2f}")


def sweep(codec: Codec, chroma: str, rgb: np.ndarray) -> None:
    """Encode + decode every rung once; report the total and where size rises along the ladder."""
    levels = codec.levels()
    sizes = []
    start = time.perf_counter()
    for level in levels:
        data = codec.encode(rgb, level)
        codec.decode(data)
        sizes.append(len(data))
    total = time.perf_counter() - start
    steps = zip(levels, levels[1:], sizes, sizes[1:], strict=False)
    rises = [(a, b, sb - sa, 100 * (sb - sa) / sa) for a, b, sa, sb in steps if sb > sa]
    summary = f"# {codec.name} {chroma}: full sweep of {len(levels)} levels (encode + decode) {total:.2f} s; "
    summary += f"{len(rises)} size rise(s) along the ladder"
    if rises:
        percents = [rise[3] for rise in rises]
        summary += f" (+{min(percents):.2f} .. +{max(percents):.2f} %): "
        summary += "; ".join(f"{a.label}->{b.label} +{grown} B ({pct:.2f} %)" for a, b, grown, pct in rises[:12])
        summary += " ..." if len(rises) > 12 else ""
    print(summary)


def main() -> None:
    args = parse_args()
    rgb, note = load_picture(args.image, args.size)
    print(f"# picture: {note}")
    print(f"# threads={args.threads} effort={args.effort if args.effort is not None else 'codec default'}")
    print(f"{'codec':5} {'chroma':5} {'level':>7} {'enc ms':>9} {'dec ms':>9} {'final ms':>9} ", end="")
    print(f"{'bytes':>10} {'PSNR dB':>8}")
    for name in args.codecs.split(","):
        for chroma in args.chroma.split(","):
            options = CodecOptions(chroma=chroma, effort=args.effort, threads=args.threads)  # type: ignore[arg-type]
            make = partial(get_codec, name, options)
            try:
                codec = make()
            except (VpjndError, AttributeError) as err:
                print(f"# skip {name} {chroma}: {err}")
                continue
            table(make, chroma, rgb, sampled(codec.levels(), args.levels, args.every), args.repeat)
            if not args.no_sweep:
                sweep(codec, chroma, rgb)


if __name__ == "__main__":
    main()
