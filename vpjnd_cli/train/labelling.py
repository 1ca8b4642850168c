"""`vpjnd label`: cut pictures from photos (and generate hard ones), encode ladder levels of every
codec asked for, score them with a teacher calibrated once to MCL-JCI (or, for the strict
criterion, to SSIMULACRA2 targets: calibration.py), write the corpus.

Calibration: the teacher's probability is a function of its distortion alone, so one fit serves
every codec. It is fitted on the JPEG 4:2:0 curves (QF 100, 95, ..., 5) of the first-size
pictures (1920x1080 by default), because MCL-JCI's statistics are JPEG QFs; other codecs reuse it.

Levels, per codec and chroma sampling (``LevelPlan``): every ``coarse``-th rung of the ladder and
its last rung, then every ``fine``-th rung between two labelled neighbours whose probabilities are
not both above 0.98 or both below 0.02. Labels are dense where a viewer's answer changes and sparse
where it is certain, which roughly halves the teacher's work for the 52-QP ladders of BPG and HEIC
(a 1920x1080 pair takes the butteraugli teacher about 1.2 s).

Teacher scores are cached per picture in CORPUS/scores/<teacher>-<codec>/<picture>.json and every
candidate's bytes in CORPUS/candidates/<codec>/<picture>/, so a rerun (more photos, another codec)
only scores what is new and training decodes candidates instead of encoding them again (a
1920x1080 HEIC, AVIF or BPG encode takes 0.2-0.9 s).

A held-out set for evaluation labels new photos the way an existing corpus was labelled: its
calibration reused (``LabelSettings.calibration``) and every photo in the test split
(``LabelSettings.split``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

import numpy as np

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import Codec, CodecOptions
from vpjnd_cli.imageio import load_image, write_atomic
from vpjnd_cli.imageio.colour import BT601
from vpjnd_cli.imageio.resize import cover_and_crop
from vpjnd_cli.jsontext import dumps
from vpjnd_cli.train.calibration import STRICT_TARGETS, Calibration, fit_psychometric, fit_to_scores
from vpjnd_cli.train.corpus import (
    CALIBRATION,
    MANIFEST,
    Row,
    candidate_path,
    picture_path,
    read_manifest,
    write_manifest,
    write_picture,
)
from vpjnd_cli.train.splits import split_by_source
from vpjnd_cli.train.synthetic import PHOTO_KINDS, PURE_KINDS, hard_picture, seed_of
from vpjnd_cli.train.teachers import Teacher, get_teacher

Log = Callable[[str], None]
INFORMATIVE = (0.02, 0.98)  # probabilities between these are worth labelling densely
CALIBRATION_EVERY = 5  # JPEG QF 100, 95, ..., 5: the curves the calibration is fitted on
STRICT_LOWEST_QF = 50  # the strict fit's SSIMULACRA2 curves stop here: its targets (85-93) lie far above


@dataclass(frozen=True)
class LevelPlan:
    """Label every ``coarse``-th rung and the last, then every ``fine``-th where the answer changes."""

    coarse: int
    fine: int

    def __post_init__(self) -> None:
        if not 1 <= self.fine <= self.coarse:
            raise ValueError(f"level steps must satisfy 1 <= fine <= coarse, got coarse {self.coarse}, "
                             f"fine {self.fine}")


# Steps of about 5 % of each ladder where it matters (JPEG, AVIF and WebP: 100 levels; BPG and HEIC: 52 QPs;
# JPEG XL: 53 distances).
DEFAULT_PLANS = {"jpeg": LevelPlan(5, 5), "avif": LevelPlan(10, 5), "webp": LevelPlan(10, 5),
                 "heic": LevelPlan(6, 2), "bpg": LevelPlan(6, 2), "jxl": LevelPlan(6, 2)}


@dataclass(frozen=True)
class LabelSettings:
    sizes: tuple[tuple[int, int], ...] = ((1920, 1080), (1280, 720), (640, 480))  # width, height; the first calibrates
    codecs: tuple[str, ...] = ("jpeg",)
    chroma: str = "both"  # "420", "444" or "both": the samplings labelled where a codec has them
    every: int | None = None  # overrides every plan's coarse step (and its fine step, when larger)
    fine: int | None = None  # overrides every plan's fine step
    seed: int = 0
    jobs: int = 1
    tiles: bool = False  # also cut the later sizes as tiles of the first-size picture
    saturate: float = 0.0  # > 0: also label each picture with its chroma scaled by this factor
    synthetic: int = 0  # > 0: this many pictures of each generated kind, and one hard picture per photo
    synthetic_size: tuple[int, int] = (960, 540)
    calibration: Calibration | None = None  # reuse another corpus's fit instead of fitting one
    split: str | None = None  # every photo in this split instead of the seeded 70/10/20 split
    criterion: str = "paper"  # "strict": fitted to SSIMULACRA2 targets instead of MCL-JCI's (calibration.py)

    def plan(self, codec: str) -> LevelPlan:
        plan = DEFAULT_PLANS[codec]
        coarse = plan.coarse if self.every is None else self.every
        return LevelPlan(coarse, min(coarse, plan.fine if self.fine is None else self.fine))


@dataclass(frozen=True)
class CutPicture:
    id: str
    source: str
    rgb: np.ndarray
    augmented: bool = False  # a tile or a saturated copy: training data only, never calibrated on
    kind: str = "photo"  # or one of synthetic.KINDS


def cut_pictures(photos: list[Path], sizes: tuple[tuple[int, int], ...], log: Log, *,
                 tiles: bool = False, saturate: float = 0.0) -> list[CutPicture]:
    """One picture per (photo, size) the photo covers without upscaling.

    With ``tiles``, the first-size picture is also cut into non-overlapping tiles of every later
    size (1920x1080 -> six 640x480 tiles, centred): the same content at the first size's scale,
    labelled region by region. Tiles are training data only: label_corpus keeps those of training
    photos.

    With ``saturate``, every picture cut from a photo also has a copy with its chroma scaled
    (``saturated``), also for training only.
    """
    out = []
    for source, rgb, photo in _read_photos(photos):
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


def _read_photos(photos: list[Path]) -> list[tuple[str, np.ndarray, Path]]:
    """(source name, pixels, path) per photo, sorted by path; equal stems get a trailing _ each."""
    out = []
    used: set[str] = set()
    for photo in sorted(set(photos)):
        source = photo.stem
        while source in used:
            source += "_"
        used.add(source)
        out.append((source, load_image(photo).rgb, photo))
    return out


def hard_pictures(photos: list[Path], count: int, size: tuple[int, int], splits: dict[str, str], seed: int
                  ) -> tuple[list[CutPicture], dict[str, str]]:
    """The generated pictures (synthetic.py) and the split of their new sources.

    Each photo that covers ``size`` gives one picture of a photo kind, in the photo's split; the
    kinds take turns within each split, so every split holds each kind. ``count`` pictures of each
    pure kind get their own sources, split by kind with the same fractions as the photos.
    """
    width, height = size
    out, turn = [], dict.fromkeys(splits.values(), 0)
    for source, rgb, _ in _read_photos(photos):
        if rgb.shape[0] < height or rgb.shape[1] < width or source not in splits:
            continue
        kind = PHOTO_KINDS[turn[splits[source]] % len(PHOTO_KINDS)]
        turn[splits[source]] += 1
        picture_id = f"{source}-{kind}-{width}x{height}"
        out.append(CutPicture(picture_id, source, hard_picture(kind, width, height, seed_of(picture_id), rgb),
                              kind=kind))
    pure_splits: dict[str, str] = {}
    for kind in PURE_KINDS:
        sources = [f"synthetic-{kind}-{number:02d}" for number in range(count)]
        pure_splits |= split_by_source(sources, seed)
        for source in sources:
            picture_id = f"{source}-{width}x{height}"
            out.append(CutPicture(picture_id, source, hard_picture(kind, width, height, seed_of(picture_id)),
                                  kind=kind))
    return out, pure_splits


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
    """Teacher distortions per (picture, level label), one JSON file per picture, written atomically;
    each scored candidate's bytes are kept beside the corpus's pictures."""

    def __init__(self, corpus: Path, teacher: Teacher, codec: Codec, jobs: int) -> None:
        self.corpus = corpus
        self.folder = corpus / "scores" / f"{teacher.name}-{codec.name}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.teacher, self.codec, self.jobs = teacher, codec, jobs
        self.ladder = codec.levels()

    def scores(self, picture: CutPicture, indices: list[int]) -> dict[int, float]:
        path = self.folder / f"{picture.id}.json"
        cached = json.loads(path.read_text()) if path.is_file() else {}
        missing = [i for i in indices if self.ladder[i].label not in cached]
        if missing:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                found = list(pool.map(lambda i: self._score(picture, i), missing))
            cached.update({self.ladder[i].label: value for i, value in zip(missing, found, strict=True)})
            write_atomic(path, dumps(cached, sort_keys=True).encode(), force=True)
        return {i: float(cached[self.ladder[i].label]) for i in indices}

    def _score(self, picture: CutPicture, index: int) -> float:
        level = self.ladder[index]
        data = self.codec.encode(picture.rgb, level)
        stored = candidate_path(self.corpus, self.codec, picture.id, level)
        stored.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(stored, data, force=True)
        return self.teacher.distortion(picture.rgb, self.codec.decode(data))


def label_levels(cache: ScoreCache, picture: CutPicture, plan: LevelPlan, calibration: Calibration) -> dict[int, float]:
    """The teacher's distortion at the plan's levels of one picture (module docstring)."""
    last = len(cache.ladder) - 1
    found = cache.scores(picture, sorted({*range(0, last + 1, plan.coarse), last}))
    if plan.fine < plan.coarse:
        probability = {i: float(calibration.psychometric.probability(d)) for i, d in found.items()}
        found |= cache.scores(picture, refinement(probability, plan.fine))
    return dict(sorted(found.items()))


def refinement(probabilities: dict[int, float], fine: int, band: tuple[float, float] = INFORMATIVE) -> list[int]:
    """Every ``fine``-th index between labelled neighbours whose probabilities are not both above
    the band or both below it."""
    low, high = band
    indices = sorted(probabilities)
    out: list[int] = []
    for a, b in pairwise(indices):
        pa, pb = probabilities[a], probabilities[b]
        if not ((pa >= high and pb >= high) or (pa <= low and pb <= low)):
            out += range(a + fine, b, fine)
    return out


def corpus_codec(name: str, chroma: str) -> Codec:
    """The codec as a corpus labels it: one chroma sampling, BPG always the built-in back-end (labels
    must not depend on whether the user has bpgenc installed)."""
    return get_codec(name, CodecOptions(chroma=chroma, bpg_backend="builtin"))  # type: ignore[arg-type]


def label_corpus(
    photos: list[Path],
    corpus: Path,
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
    if settings.split is None:
        splits = split_by_source(sources, settings.seed)
    else:
        splits = dict.fromkeys(sources, settings.split)
    if settings.synthetic > 0:
        hard, hard_splits = hard_pictures(photos, settings.synthetic, settings.synthetic_size, splits, settings.seed)
        pictures += hard
        splits |= hard_splits if settings.split is None else dict.fromkeys(hard_splits, settings.split)
    pictures = [p for p in pictures if not p.augmented or splits[p.source] == "train"]
    views = {(name, chroma) for name in settings.codecs for chroma in _samplings(name, settings.chroma)}
    kept = kept_rows(corpus, views, teacher.name, splits)  # refused here, before any scoring
    for picture in pictures:
        if not picture_path(corpus, picture.id).is_file():
            write_picture(corpus, picture.id, picture.rgb)
    calibration = settings.calibration or calibrate(pictures, corpus, teacher, targets, settings)
    rows = []
    for name in settings.codecs:
        for chroma in _samplings(name, settings.chroma):
            cache = ScoreCache(corpus, teacher, corpus_codec(name, chroma), settings.jobs)
            for number, picture in enumerate(pictures, 1):
                scores = label_levels(cache, picture, settings.plan(name), calibration)
                rows += [Row(picture.id, picture.source, splits[picture.source], picture.rgb.shape[1],
                             picture.rgb.shape[0], name, cache.ladder[i].setting, chroma, teacher.name, d,
                             float(calibration.psychometric.probability(d)), picture.kind)
                         for i, d in scores.items()]
                log(f"scored {name} {chroma} {number}/{len(pictures)}: {picture.id} ({len(scores)} levels)")
    if kept:
        names = ", ".join(sorted({f"{row.codec} {row.chroma}" for row in kept}))
        log(f"kept {len(kept)} labels of {names} from the manifest")
    rows = [replace(row, probability=float(calibration.psychometric.probability(row.distortion)))
            for row in kept] + rows  # the kept views follow this run's calibration
    record = {**calibration.to_dict(), "teacher": teacher.name}  # --calibration refuses another teacher's fit
    write_atomic(corpus / CALIBRATION, dumps(record, indent=2).encode(), force=True)
    write_manifest(corpus, rows)
    return calibration


def kept_rows(corpus: Path, views: set[tuple[str, str]], teacher: str, splits: dict[str, str]) -> list[Row]:
    """The rows of the corpus's manifest for the (codec, chroma) views this run will not label, so that
    views can be labelled one run at a time (JPEG at both samplings, then WebP at 4:2:0, ...).

    A source that this run splits otherwise than the manifest does means other photos (another
    set of sizes keeps other photos) or another seed, and is refused rather than mixed: before
    the scoring, which can take an hour.
    """
    if not (corpus / MANIFEST).is_file():
        return []
    kept = [row for row in read_manifest(corpus) if (row.codec, row.chroma) not in views and row.teacher == teacher]
    moved = sorted({row.source for row in kept if splits.get(row.source, row.split) != row.split})
    if moved:
        raise ValueError(f"{corpus / MANIFEST} puts {moved[0]} (and {len(moved) - 1} more) in another split than "
                         "this run; label with the same photos, sizes and --seed, or into a new corpus")
    return kept


def _samplings(codec: str, chroma: str) -> list[str]:
    """The samplings of ``chroma`` that the codec encodes (WebP: 4:2:0 only; JPEG XL: one view,
    4:4:4, whatever is asked, since it does not subsample)."""
    if codec == "jxl":
        return ["444"]
    wanted = ("420", "444") if chroma == "both" else (chroma,)
    return [sampling for sampling in wanted if sampling == "420" or codec != "webp"]


def calibrate(
    pictures: list[CutPicture],
    corpus: Path,
    teacher: Teacher,
    targets: dict[float, tuple[float, float]],
    settings: LabelSettings,
) -> Calibration:
    """Fit the psychometric function on the JPEG 4:2:0 curves of the first-size photo pictures as
    cut (no augmented copy or generated picture: adding them leaves the labels of the others as
    they were): to MCL-JCI's ``targets``, or for the strict criterion to SSIMULACRA2's (scored by
    the ssimulacra2 teacher on the same files from QF STRICT_LOWEST_QF up, and cached beside)."""
    width, height = settings.sizes[0]
    originals = [p for p in pictures if not p.augmented and p.kind == "photo"]
    chosen = [p for p in originals if p.rgb.shape[:2] == (height, width)] or originals
    codec = corpus_codec("jpeg", "420")
    ladder = codec.levels()
    indices = list(range(0, len(ladder), CALIBRATION_EVERY))
    curves = _jpeg_curves(ScoreCache(corpus, teacher, codec, settings.jobs), chosen, indices)
    if settings.criterion == "paper":
        return fit_psychometric(curves, targets)
    # strict: SSIMULACRA2 of the same files (distortion = 100 - score), where it can reach the targets
    ssimulacra2 = ScoreCache(corpus, get_teacher("ssimulacra2"), codec, settings.jobs)
    high = [i for i in indices if ladder[i].setting >= STRICT_LOWEST_QF]
    scores = [(qfs, 100.0 - distortions) for qfs, distortions in _jpeg_curves(ssimulacra2, chosen, high)]
    return fit_to_scores(curves, scores, STRICT_TARGETS)


def _jpeg_curves(cache: ScoreCache, pictures: list[CutPicture],
                 indices: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per picture, (QFs increasing, the cache's teacher distortions at them)."""
    curves = []
    for picture in pictures:
        found = cache.scores(picture, indices)
        ordered = sorted(found, key=lambda i: cache.ladder[i].setting)
        curves.append((np.array([cache.ladder[i].setting for i in ordered], dtype=float),
                       np.array([found[i] for i in ordered])))
    return curves

