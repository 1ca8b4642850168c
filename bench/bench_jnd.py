"""Time the JND models on a 1920x1080 picture: median and best of several runs after a warm-up.

Usage: .venv/bin/python bench/bench_jnd.py [--image PATH] [--runs 9]

Without --image, the first photo found under ../shared/data (the corpus built by
shared/data/photos/build.sh) is used, scaled and cropped to 1920x1080; when there is none, a
synthetic natural-like picture (1/f noise, smooth gradients, sharp-edged shapes, fine texture) is
generated and the output says so. Timings include the BT.601 luma conversion, as jnd_map() does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from vpjnd_cli.jnd import MODELS, jnd_map

WIDTH, HEIGHT = 1920, 1080
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PHOTO_SUFFIXES = {".png", ".jpg", ".jpeg", ".ppm", ".tif", ".tiff", ".webp", ".bmp"}


def fit_1080p(path: Path) -> np.ndarray:
    """Scale (to cover) and centre-crop a picture to 1920x1080 RGB."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        scale = max(WIDTH / image.width, HEIGHT / image.height)
        size = (max(WIDTH, round(image.width * scale)), max(HEIGHT, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
        left, top = (image.width - WIDTH) // 2, (image.height - HEIGHT) // 2
        return np.asarray(image.crop((left, top, left + WIDTH, top + HEIGHT)))


def synthetic_photo(seed: int = 0) -> np.ndarray:
    """A natural-like 1920x1080 RGB picture: 1/f noise, a sky gradient, shapes, fine texture."""
    import cv2

    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(HEIGHT)[:, None]
    fx = np.fft.rfftfreq(WIDTH)[None, :]
    spectrum = np.fft.rfft2(rng.standard_normal((HEIGHT, WIDTH))) / np.maximum(np.hypot(fy, fx), 1.0 / WIDTH)
    field = np.fft.irfft2(spectrum, s=(HEIGHT, WIDTH))
    luma = 110 + 35 * (field - field.mean()) / field.std()
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    sky = y < HEIGHT * 0.35
    luma[sky] = (200 - 80 * y / HEIGHT + 0.01 * x)[sky]  # smooth sky
    for _ in range(12):  # sharp-edged flat-ish objects
        cx, cy, r = rng.integers(0, WIDTH), rng.integers(HEIGHT // 3, HEIGHT), rng.integers(30, 160)
        cv2.circle(luma, (int(cx), int(cy)), int(r), float(rng.uniform(30, 230)), -1)
    grass = y > HEIGHT * 0.8
    luma[grass] += rng.normal(0, 14, grass.sum())  # fine texture
    luma = cv2.GaussianBlur(luma.astype(np.float32), (0, 0), 0.7)
    tint = np.array([1.05, 1.0, 0.9], np.float32)
    return np.clip(luma[..., None] * tint, 0, 255).astype(np.uint8)


def find_photo() -> Path | None:
    if not SHARED_DATA.is_dir():
        return None
    photos = sorted(p for p in SHARED_DATA.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
    return photos[0] if photos else None


def time_model(picture: np.ndarray, model: str, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        jnd_map(picture, model)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        jnd_map(picture, model)
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, help="picture to use (scaled and cropped to 1920x1080)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    args = parser.parse_args(argv)

    source = args.image or find_photo()
    if source is not None:
        picture, label = fit_1080p(source), f"photo {source}"
    else:
        picture, label = synthetic_photo(), "SYNTHETIC natural-like picture (no photo found; pass --image)"
    import cv2

    megapixels = picture.shape[0] * picture.shape[1] / 1e6
    print(f"picture: {label}, {picture.shape[1]}x{picture.shape[0]} ({megapixels:.2f} MP)")
    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads; {args.runs} runs after {args.warmup} warm-up")
    for model in args.models:
        times = time_model(picture, model, args.runs, args.warmup)
        median = statistics.median(times)
        print(
            f"{model:5s} median {median:7.1f} ms  best {min(times):7.1f} ms  "
            f"{median / megapixels:6.1f} ms/MP (median)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
