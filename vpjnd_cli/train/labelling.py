"""`vpjnd label`: cut pictures from photos, encode ladder levels, score them with a teacher,
calibrate the teacher to MCL-JCI, write the corpus.

Levels: every ``every``-th rung of the codec's ladder from the least distorted (JPEG, every 5:
QF 100, 95, ..., 5); no refinement pass: the calibration interpolates between labelled levels and
so does the ground-truth PW-JND (dataset.pwjnd_index). Teacher scores are cached per picture in
CORPUS/scores/<teacher>-<codec>/<picture>.json, so a rerun (or a run with more photos) only
scores what is new. Calibration always uses the JPEG ladder over the pictures of the first size
(1920x1080 by default), because MCL-JCI's statistics are JPEG QFs; a BPG corpus scores those
JPEG levels too (cached the same way).

A held-out set for evaluation labels new photos the way an existing corpus was labelled: its
calibration reused (``LabelSettings.calibration``) and every photo in the test split
(``LabelSettings.split``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import Codec
from vpjnd_cli.imageio import load_image, write_atomic
from vpjnd_cli.imageio.colour import BT601
from vpjnd_cli.imageio.resize import cover_and_crop
from vpjnd_cli.train.calibration import Calibration, fit_psychometric
from vpjnd_cli.train.corpus import Row, picture_path, write_manifest, write_picture
from vpjnd_cli.train.splits import split_by_source
from vpjnd_cli.train.teachers import Teacher

Log = Callable[[str], None]


@dataclass(frozen=True)
class LabelSettings:
    sizes: tuple[tuple[int, int], ...] = ((1920, 1080), (640, 480))  # width, height; the first calibrates
    every: int = 5
    seed: int = 0
    jobs: int = 1
    tiles: bool = False  # also cut the later sizes as tiles of the first-size picture
    saturate: float = 0.0  # > 0: also label each picture with its chroma scaled by this factor
    calibration: Calibration | None = None  # reuse another corpus's fit instead of fitting one
    split: str | None = None  # every photo in this split instead of the seeded 70/10/20 split


@dataclass(frozen=True)
class CutPicture:
    id: str
    source: str
    rgb: np.ndarray
    augmented: bool = False  # a tile or a saturated copy: training data only, never calibrated on


def cut_pictures(photos: list[Path], sizes: tuple[tuple[int, int], ...], log: Log, *,
                 tiles: bool = False, saturate: float = 0.0) -> list[CutPicture]:
    """One picture per (photo, size) the photo covers without upscaling.

    With ``tiles``, the first-size picture is also cut into non-overlapping tiles of every later
    size (1920x1080 -> six 640x480 tiles, centred): the same content at the first size's scale,
    labelled region by region. Tiles are training data only: label_corpus keeps those of training
    photos. On our corpus they did not help (weights/MODEL_CARD.md, run C); they are an option.

    With ``saturate``, every picture cut from a photo also has a copy with its chroma scaled
    (``saturated``), also for training only: our photos hold few strongly coloured pictures, where
    4:2:0 chroma and its quantisation are what the teacher sees first.
    """
    out = []
    used: set[str] = set()
    for photo in sorted(set(photos)):
        rgb = load_image(photo).rgb
        source = photo.stem
        while source in used:
            source += "_"
        used.add(source)
        height, width = rgb.shape[:2]
        fitting = [(w, h) for w, h in sizes if width >= w and height >= h]
        skipped = [f"{w}x{h}" for w, h in sizes if (w, h) not in fitting]
        if not fitting:
            log(f"{photo}: {width}x{height} is smaller than every picture size; skipped")
            continue
        if skipped:
            log(f"{photo}: {width}x{height} is too small for {', '.join(skipped)}; cut at the other sizes only")
        for w, h in fitting:
            picture = CutPicture(f"{source}-{w}x{h}", source, cover_and_crop(rgb, w, h))
            out.append(picture)
            if tiles and (w, h) == sizes[0]:
                out += _tiles(picture, sizes[1:])
            if saturate > 0:
                out.append(CutPicture(f"{picture.id}-sat{saturate:g}", source, saturated(picture.rgb, saturate),
                                      augmented=True))
    return out


def saturated(rgb: np.ndarray, factor: float) -> np.ndarray:
    """The picture with its chroma (JPEG's full-range BT.601 Cb and Cr) scaled by ``factor`` and
    luma kept, clipped to the RGB cube: more colour, same structure."""
    pixels = rgb.astype(np.float64)
    luma = (pixels @ BT601)[..., None]
    return np.clip(np.rint(luma + (pixels - luma) * factor), 0, 255).astype(np.uint8)


def _tiles(picture: CutPicture, sizes: tuple[tuple[int, int], ...]) -> list[CutPicture]:
    height, width = picture.rgb.shape[:2]
    out = []
    for w, h in sizes:
        rows, cols = height // h, width // w
        top, left = (height - rows * h) // 2, (width - cols * w) // 2
        for number, (row, col) in enumerate(((r, c) for r in range(rows) for c in range(cols)), 1):
            y, x = top + row * h, left + col * w
            pixels = np.ascontiguousarray(picture.rgb[y : y + h, x : x + w])
            out.append(CutPicture(f"{picture.source}-{w}x{h}-tile{number}", picture.source, pixels, augmented=True))
    return out


class ScoreCache:
    """Teacher distortions per (picture, level label), one JSON file per picture, written atomically."""

    def __init__(self, corpus: Path, teacher: Teacher, codec: Codec, jobs: int) -> None:
        self.folder = corpus / "scores" / f"{teacher.name}-{codec.name}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.teacher, self.codec, self.jobs = teacher, codec, jobs

    def scores(self, picture: CutPicture, indices: list[int]) -> dict[int, float]:
        path = self.folder / f"{picture.id}.json"
        cached = json.loads(path.read_text()) if path.is_file() else {}
        ladder = self.codec.levels()
        missing = [i for i in indices if ladder[i].label not in cached]
        if missing:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                found = list(pool.map(lambda i: self._score(picture.rgb, i), missing))
            cached.update({ladder[i].label: value for i, value in zip(missing, found, strict=True)})
            write_atomic(path, json.dumps(cached, sort_keys=True).encode(), force=True)
        return {i: float(cached[ladder[i].label]) for i in indices}

    def _score(self, rgb: np.ndarray, index: int) -> float:
        candidate = self.codec.decode(self.codec.encode(rgb, self.codec.levels()[index]))
        return self.teacher.distortion(rgb, candidate)


def label_corpus(
    photos: list[Path],
    corpus: Path,
    codec: Codec,
    teacher: Teacher,
    targets: dict[float, tuple[float, float]],
    settings: LabelSettings,
    log: Log,
) -> Calibration:
    """Build (or extend) the corpus and return the calibration it was labelled with."""
    (corpus / "pictures").mkdir(parents=True, exist_ok=True)
    pictures = cut_pictures(photos, settings.sizes, log, tiles=settings.tiles, saturate=settings.saturate)
    if not pictures:
        raise ValueError("no photo is large enough for any picture size")
    sources = [p.source for p in pictures]
    splits = split_by_source(sources, settings.seed) if settings.split is None else dict.fromkeys(sources, settings.split)
    pictures = [p for p in pictures if not p.augmented or splits[p.source] == "train"]
    for picture in pictures:
        if not picture_path(corpus, picture.id).is_file():
            write_picture(corpus, picture.id, picture.rgb)
    indices = list(range(0, len(codec.levels()), settings.every))
    cache = ScoreCache(corpus, teacher, codec, settings.jobs)
    scores = {}
    for number, picture in enumerate(pictures, 1):
        scores[picture.id] = cache.scores(picture, indices)
        log(f"scored {number}/{len(pictures)}: {picture.id}")
    calibration = settings.calibration or calibrate(pictures, corpus, teacher, targets, settings,
                                                    scores if codec.name == "jpeg" else None)
    ladder = codec.levels()
    rows = [
        Row(p.id, p.source, splits[p.source], p.rgb.shape[1], p.rgb.shape[0], codec.name, ladder[i].setting,
            ladder[i].chroma, teacher.name, d, float(calibration.psychometric.probability(d)))
        for p in pictures for i, d in scores[p.id].items()
    ]
    record = {**calibration.to_dict(), "teacher": teacher.name}  # --calibration refuses another teacher's fit
    write_atomic(corpus / "calibration.json", json.dumps(record, indent=2).encode(), force=True)
    write_manifest(corpus, rows)
    return calibration


def calibrate(
    pictures: list[CutPicture],
    corpus: Path,
    teacher: Teacher,
    targets: dict[float, tuple[float, float]],
    settings: LabelSettings,
    jpeg_scores: dict[str, dict[int, float]] | None,
) -> Calibration:
    """Fit the psychometric function on the JPEG curves of the first-size pictures as cut (no
    augmented copy: adding them leaves the labels of the others as they were)."""
    width, height = settings.sizes[0]
    originals = [p for p in pictures if not p.augmented]
    chosen = [p for p in originals if p.rgb.shape[:2] == (height, width)] or originals
    jpeg = get_codec("jpeg")
    ladder = jpeg.levels()
    indices = list(range(0, len(ladder), settings.every))
    cache = ScoreCache(corpus, teacher, jpeg, settings.jobs)
    curves = []
    for picture in chosen:
        found = jpeg_scores[picture.id] if jpeg_scores is not None else cache.scores(picture, indices)
        ordered = sorted(found, key=lambda i: ladder[i].setting)
        curves.append((np.array([ladder[i].setting for i in ordered], dtype=float), np.array([found[i] for i in ordered])))
    return fit_psychometric(curves, targets)
