"""MCL-JCI in the VP-JND authors' layout, with votes in the sur_pairs.csv format.

ROOT/ImageJND_SRCxx.bmp (sources), ROOT/ImageJND_SRCxx/ImageJND_SRCxx_QQQ.jpg (QF 001..100),
and the votes: a CSV without header, rows ``ImageJND_SRCxx_100.npy, ImageJND_SRCxx_QQQ.npy, v``
with v the share of subjects who saw a difference against QF 100, so SUR(QF) = 1 - v. The votes
file is ROOT/sur_pairs.csv unless given. Split: VP-JND's 30 training sources; the other 20 are
shuffled (seeded) into 10 validation and 10 test sources, the paper's unknown 10/10.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import Level
from vpjnd_cli.errors import InputError
from vpjnd_cli.imageio import load_image
from vpjnd_cli.train.dataset import JndDataset, PictureInfo

VP_JND_TRAIN = {1, 2, 3, 4, 9, 14, 15, 18, 19, 21, 22, 24, 27, 28, 29, 31, 32, 33, 34, 35, 37, 39, 41, 42, 44,
                46, 47, 48, 49, 50}
_NAME = re.compile(r"ImageJND_(SRC\d+)_(\d{3})(?:\.\w+)?$")


def looks_like_mcl_jci(root: Path) -> bool:
    return any(root.glob("ImageJND_SRC*.bmp"))


class MclJciDataset(JndDataset):
    layout = "mcl-jci"
    codec_name = "jpeg"

    def __init__(self, root: Path, votes: Path | None = None, seed: int = 0) -> None:
        self.root = root
        self._ladder = get_codec("jpeg").levels()  # QF 100..1: ladder index = 100 - QF
        votes = votes or root / "sur_pairs.csv"
        if not votes.is_file():
            raise InputError("MCL-JCI votes (sur_pairs.csv format) not found; pass --votes", votes)
        self._labels: dict[str, dict[int, float]] = {}
        with votes.open(newline="") as handle:
            for row in csv.reader(handle):
                if len(row) != 3:
                    continue
                match = _NAME.search(Path(row[1].strip()).name)
                if match is None:
                    raise InputError(f"unexpected candidate name {row[1]!r}", votes)
                source, quality = match.group(1), int(match.group(2))
                self._labels.setdefault(source, {0: 1.0})[100 - quality] = 1.0 - float(row[2])
        sources = sorted(s for s in self._labels if (root / f"ImageJND_{s}.bmp").is_file())
        if not sources:
            raise InputError("no ImageJND_SRCxx.bmp matches the votes", root)
        rest = [s for s in sources if int(s[3:]) not in VP_JND_TRAIN]
        shuffled = [rest[i] for i in np.random.default_rng(seed).permutation(len(rest))]
        half = len(shuffled) // 2
        split = dict.fromkeys(shuffled[:half], "val") | dict.fromkeys(shuffled[half:], "test")
        self._pictures = [PictureInfo(s, s, split.get(s, "train")) for s in sources]

    def ladder(self) -> list[Level]:
        return self._ladder

    def pictures(self) -> list[PictureInfo]:
        return list(self._pictures)

    def reference(self, picture: str) -> np.ndarray:
        return load_image(self.root / f"ImageJND_{picture}.bmp").rgb

    def labels(self, picture: str) -> dict[int, float]:
        return dict(self._labels[picture])

    def _path(self, picture: str, index: int) -> Path:
        return self.root / f"ImageJND_{picture}" / f"ImageJND_{picture}_{self._ladder[index].setting:03d}.jpg"

    def candidate(self, picture: str, index: int) -> np.ndarray:
        return load_image(self._path(picture, index)).rgb

    def size(self, picture: str, index: int) -> int | None:
        return self._path(picture, index).stat().st_size
