"""Tiny seeded JND sets in each supported layout (MCL-JCI, KonJND-1k), for the training tests."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from pictures import natural_picture
from PIL import Image

MCL_SOURCES = (1, 2, 5, 6)  # 1 and 2 are in VP-JND's training list, 5 and 6 are not


def _sur(quality: np.ndarray | float, middle: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(np.asarray(quality, dtype=float) - middle) / 5.0))


def _jpeg(rgb: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def make_mcl_jci(root: Path, height: int = 48, width: int = 64) -> Path:
    """ImageJND_SRCxx.bmp + ImageJND_SRCxx/ImageJND_SRCxx_QQQ.jpg + sur_pairs.csv (SUR 50 % at QF 25..40)."""
    root.mkdir()
    lines = []
    for number, source in enumerate(MCL_SOURCES):
        name = f"ImageJND_SRC{source:02d}"
        rgb = natural_picture(height, width, seed=source)
        Image.fromarray(rgb).save(root / f"{name}.bmp")
        (root / name).mkdir()
        for quality in range(1, 101):
            (root / name / f"{name}_{quality:03d}.jpg").write_bytes(_jpeg(rgb, quality))
        for quality in range(99, 0, -1):
            lines.append(f"{name}_100.npy, {name}_{quality:03d}.npy, {1 - _sur(quality, 25 + 5 * number):.4f}")
    (root / "sur_pairs.csv").write_text("\n".join(lines) + "\n")
    return root


def make_konjnd(root: Path, count: int = 5, height: int = 48, width: int = 64, stem_prefix: str = "img") -> Path:
    """source_image/, jpeg/<stem>_JPEG_<lvl>.jpg (QF 5..100 step 5) and subjective_ratings.csv."""
    for folder in ("source_image", "jpeg"):
        (root / folder).mkdir(parents=True)
    rng = np.random.default_rng(0)
    rows = ["image_id,Compression type,No. of ratings,mean,std,ratings"]
    for index in range(count):
        stem = f"{stem_prefix}{index}"
        rgb = natural_picture(height, width, seed=10 + index)
        Image.fromarray(rgb).save(root / "source_image" / f"{stem}.png")
        for level in range(5, 101, 5):
            (root / "jpeg" / f"{stem}_JPEG_{level:03d}.jpg").write_bytes(_jpeg(rgb, level))
        ratings = [int(r) for r in np.clip(rng.normal(30 + 3 * index, 6, 20), 1, 100)]
        rows.append(f'{stem}.png,JPEG,{len(ratings)},{np.mean(ratings):.2f},{np.std(ratings):.2f},"{json.dumps(ratings)}"')
    (root / "subjective_ratings.csv").write_text("\n".join(rows) + "\n")
    return root


def make_photos(folder: Path, count: int = 6, height: int = 72, width: int = 96) -> Path:
    """Seeded PNG 'photos' for `vpjnd label`."""
    folder.mkdir()
    for index in range(count):
        Image.fromarray(natural_picture(height, width, seed=index)).save(folder / f"photo{index}.png")
    return folder


def make_small_corpus(folder: Path, *, count: int, every: int) -> Path:
    """A corpus from `vpjnd label`: JPEG (4:2:0 and 4:4:4) and WebP labels of ``count`` generated
    64x48 photos, every ``every``-th level, by the SSIMULACRA2 teacher (the test must skip without it)."""
    from vpjnd_cli.cli import run

    photos = make_photos(folder / "photos", count=count, height=48, width=64)
    root = folder / "corpus"
    assert run(["label", str(photos), "-o", str(root), "--teacher", "ssimulacra2", "--codec", "jpeg,webp",
                "--size", "64x48", "--every", str(every), "--fine", str(every)]) == 0
    return root
