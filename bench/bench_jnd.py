"""Time the JND models on a 1920x1080 picture: median and best of several runs after a warm-up.

Usage: .venv/bin/python bench/bench_jnd.py [--image PATH] [--runs 9] [--device cuda]

Without --image, the first photo found under ../shared/data (the corpus built by
shared/data/photos/build.sh) is used, scaled and cropped to 1920x1080; when there is none, a
synthetic natural-like picture (1/f noise, smooth gradients, sharp-edged shapes, fine texture) is
generated and the output says so. Timings include the BT.601 luma conversion, as jnd_map() does.

With --device, the torch path a judge on a GPU uses (jnd/on_torch.py, model/peak_on_torch.py) is
timed beside the OpenCV path, on that device, with its largest difference from OpenCV: the JND
maps, and the luma peak of a block of 32 candidates. On a CPU device it is a check, not a speed-up.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
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


def time_call(call: Callable[[], object], runs: int, warmup: int) -> list[float]:
    """Milliseconds per run (every call returns numpy, so GPU work is finished when it returns)."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def report(name: str, times: list[float], megapixels: float, note: str = "") -> None:
    median = statistics.median(times)
    print(f"{name:18s} median {median:7.1f} ms  best {min(times):7.1f} ms  {median / megapixels:6.1f} ms/MP {note}")


def torch_rows(picture: np.ndarray, models: list[str], device_name: str, runs: int, warmup: int) -> None:
    """The torch path on ``device_name`` beside OpenCV's: JND maps, then a block's luma peaks."""
    import torch

    from vpjnd_cli.jnd.on_torch import jnd_map_on
    from vpjnd_cli.model.device import resolve_device
    from vpjnd_cli.model.peak import FULL_SIZE_SIGMA, LumaPeak
    from vpjnd_cli.model.peak_on_torch import TorchLumaPeak

    device = resolve_device(device_name)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"torch {torch.__version__} on {device} ({name})")
    megapixels = picture.shape[0] * picture.shape[1] / 1e6
    for model in models:
        difference = float(np.abs(jnd_map_on(picture, model, device) - jnd_map(picture, model)).max())
        times = time_call(functools.partial(jnd_map_on, picture, model, device), runs, warmup)
        report(f"{model} torch", times, megapixels, f"(largest difference {difference:.1e} grey levels)")
    rng = np.random.default_rng(0)
    block = [np.clip(picture + rng.integers(-6, 7, picture.shape), 0, 255).astype(np.uint8) for _ in range(32)]
    # the shipped peak, and the full-size term of a head such as HEIC's (PeakCalibration.full_size)
    for name, statistic in (("peak", LumaPeak()), ("full-size peak", LumaPeak(FULL_SIZE_SIGMA, 0.9999, downscale=1))):
        cpu, on_torch = statistic, TorchLumaPeak(statistic, device)
        cpu_reference, torch_reference = cpu.reference(picture), on_torch.reference(picture)
        expected = cpu.peaks(cpu_reference, block)
        difference = float(np.max(np.abs(on_torch.peaks(torch_reference, block) - expected) / expected))
        report(f"{name} x32 opencv", time_call(functools.partial(cpu.peaks, cpu_reference, block), runs, warmup),
               megapixels)
        report(f"{name} x32 torch", time_call(functools.partial(on_torch.peaks, torch_reference, block), runs,
                                              warmup), megapixels, f"(largest relative difference {difference:.1e})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, help="picture to use (scaled and cropped to 1920x1080)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--device", help="also time the torch path on this device (cuda, cpu)")
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
        report(model, time_call(functools.partial(jnd_map, picture, model), args.runs, args.warmup), megapixels)
    if args.device:
        torch_rows(picture, args.models, args.device, args.runs, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
