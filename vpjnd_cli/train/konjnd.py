"""KonJND-1k: ROOT/source_image/<id>.png, ROOT/jpeg/<stem>_JPEG_<lvl:03>.jpg,
ROOT/bpg/<stem>_BPG_<lvl:03>.png and ROOT/subjective_ratings.csv (image_id, Compression type,
No. of ratings, mean, std, ratings: a JSON list of per-worker PJND levels).

A worker's PJND is the first level at which they perceive a difference, in the files' numbering.
BPG levels count distortion up (1 = least distorted): SUR(level) = share of ratings above the level.
JPEG level k is QF k, which counts distortion down: a worker with PJND QF r does not
perceive at QF q > r, so SUR(QF q) = share of ratings below q. Either way the ladder runs from the
least to the most distorted file that exists. Split: seeded by source (70/10/20).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np

from vpjnd_cli.codecs.base import Level
from vpjnd_cli.errors import InputError, UsageError
from vpjnd_cli.imageio import load_image
from vpjnd_cli.train.dataset import JndDataset, PictureInfo
from vpjnd_cli.train.splits import split_by_source

RATINGS = "subjective_ratings.csv"
_FOLDER = {"jpeg": ("jpeg", "JPEG", ".jpg"), "bpg": ("bpg", "BPG", ".png")}


def looks_like_konjnd(root: Path) -> bool:
    return (root / RATINGS).is_file() and (root / "source_image").is_dir()


class KonJndDataset(JndDataset):
    layout = "konjnd-1k"

    def __init__(self, root: Path, codec: str = "jpeg", seed: int = 0) -> None:
        if codec not in _FOLDER:
            raise UsageError(f"KonJND-1k has jpeg and bpg pictures, not {codec!r}")
        self.root, self.codec_name = root, codec
        folder, tag, suffix = _FOLDER[codec]
        self._files: dict[str, dict[int, Path]] = {}
        pattern = re.compile(rf"^(.*)_{tag}_(\d{{3}}){re.escape(suffix)}$")
        for path in sorted((root / folder).glob(f"*{suffix}")):
            match = pattern.match(path.name)
            if match:
                self._files.setdefault(match.group(1), {})[int(match.group(2))] = path
        levels = sorted({lvl for files in self._files.values() for lvl in files}, reverse=codec == "jpeg")
        self._ladder = [Level(lvl) for lvl in levels]
        position = {lvl: i for i, lvl in enumerate(levels)}
        self._labels: dict[str, dict[int, float]] = {}
        with (root / RATINGS).open(newline="") as handle:
            for record in csv.DictReader(handle, skipinitialspace=True):
                if record.get("Compression type", "").strip().lower() != codec:
                    continue
                stem = Path(record["image_id"].strip()).stem
                if stem not in self._files:
                    continue
                try:
                    ratings = np.array(json.loads(record["ratings"]), dtype=float)
                except (ValueError, KeyError) as error:
                    raise InputError(f"bad ratings for {stem}: {error}", root / RATINGS) from None
                self._labels[stem] = {
                    position[lvl]: float(np.mean(ratings < lvl) if codec == "jpeg" else np.mean(ratings > lvl))
                    for lvl in self._files[stem]
                }
        if not self._labels:
            raise InputError(f"no {codec} picture has both files and ratings", root)
        splits = split_by_source(self._labels, seed)
        self._pictures = [PictureInfo(stem, stem, splits[stem]) for stem in sorted(self._labels)]

    def ladder(self) -> list[Level]:
        return self._ladder

    def pictures(self) -> list[PictureInfo]:
        return list(self._pictures)

    def reference(self, picture: str) -> np.ndarray:
        return load_image(self.root / "source_image" / f"{picture}.png").rgb

    def labels(self, picture: str) -> dict[int, float]:
        return dict(self._labels[picture])

    def _path(self, picture: str, index: int) -> Path:
        return self._files[picture][self._ladder[index].setting]

    def candidate(self, picture: str, index: int) -> np.ndarray:
        return load_image(self._path(picture, index)).rgb

    def size(self, picture: str, index: int) -> int | None:
        return self._path(picture, index).stat().st_size if self.codec_name == "jpeg" else None
