"""Our labelled corpus: CORPUS/manifest.csv + CORPUS/pictures/<picture>.png.

One manifest row per labelled (picture, level): picture, source, split, width, height, codec,
setting, chroma, teacher, distortion, probability. Candidates are not stored: the codec encodes
them again on demand (deterministic, milliseconds for JPEG), which keeps a corpus small.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, fields
from pathlib import Path

import cv2
import numpy as np

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import Codec, CodecOptions, Level
from vpjnd_cli.errors import InputError
from vpjnd_cli.imageio import write_atomic
from vpjnd_cli.train.dataset import JndDataset, PictureInfo

MANIFEST = "manifest.csv"
PICTURES = "pictures"


@dataclass(frozen=True)
class Row:
    """One labelled (picture, level)."""

    picture: str
    source: str
    split: str
    width: int
    height: int
    codec: str
    setting: int
    chroma: str
    teacher: str
    distortion: float
    probability: float

    @property
    def level(self) -> Level:
        return Level(self.setting, self.chroma)  # type: ignore[arg-type]


def picture_path(corpus: Path, picture: str) -> Path:
    return corpus / PICTURES / f"{picture}.png"


def write_picture(corpus: Path, picture: str, rgb: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise RuntimeError(f"could not encode {picture} as PNG")
    write_atomic(picture_path(corpus, picture), data.tobytes(), force=True)


def write_manifest(corpus: Path, rows: list[Row]) -> None:
    names = [f.name for f in fields(Row)]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([getattr(row, name) for name in names] for row in rows)
    write_atomic(corpus / MANIFEST, text.getvalue().encode(), force=True)


def read_manifest(corpus: Path) -> list[Row]:
    path = corpus / MANIFEST
    if not path.is_file():
        raise InputError(f"no {MANIFEST} here: not a corpus written by `vpjnd label`", corpus)
    try:
        with path.open(newline="") as handle:
            return [
                Row(**{f.name: f.type_cast(record[f.name]) for f in _TYPED}) for record in csv.DictReader(handle)
            ]
    except (KeyError, ValueError, TypeError) as error:
        raise InputError(f"bad {MANIFEST}: {error}", path) from None


@dataclass(frozen=True)
class _Field:
    name: str
    type_cast: type


_TYPED = [_Field(f.name, {"int": int, "float": float, "str": str}[str(f.type)]) for f in fields(Row)]


class CorpusDataset(JndDataset):
    """Our corpus behind the JndDataset interface."""

    layout = "corpus"

    def __init__(self, root: Path, codec: Codec | None = None) -> None:
        self.root = root
        self.rows = read_manifest(root)
        if not self.rows:
            raise InputError(f"{MANIFEST} has no rows", root)
        codecs = {row.codec for row in self.rows}
        if len(codecs) != 1:
            raise InputError(f"{MANIFEST} mixes codecs {sorted(codecs)}; one corpus per codec", root)
        self.codec_name = codecs.pop()
        chromas = {row.chroma for row in self.rows}
        chroma = chromas.pop() if len(chromas) == 1 else "both"
        self.codec = codec or get_codec(self.codec_name, CodecOptions(chroma=chroma))  # type: ignore[arg-type]
        self._ladder = self.codec.levels()
        # candidates of one picture are asked for together: keep the last few references decoded
        self._read = functools.lru_cache(maxsize=8)(self._read_reference)
        position = {level: index for index, level in enumerate(self._ladder)}
        self._labels: dict[str, dict[int, float]] = {}
        self._info: dict[str, PictureInfo] = {}
        for row in self.rows:
            self._labels.setdefault(row.picture, {})[position[row.level]] = row.probability
            self._info[row.picture] = PictureInfo(row.picture, row.source, row.split)

    def ladder(self) -> list[Level]:
        return self._ladder

    def pictures(self) -> list[PictureInfo]:
        return [self._info[name] for name in sorted(self._info)]

    def reference(self, picture: str) -> np.ndarray:
        return self._read(picture)

    def _read_reference(self, picture: str) -> np.ndarray:
        path = picture_path(self.root, picture)
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise InputError("corpus picture missing or unreadable", path)
        return np.ascontiguousarray(bgr[..., ::-1])

    def labels(self, picture: str) -> dict[int, float]:
        return dict(self._labels[picture])

    def candidate(self, picture: str, index: int) -> np.ndarray:
        return self.codec.decode(self.codec.encode(self.reference(picture), self._ladder[index]))

    def size(self, picture: str, index: int) -> int | None:
        return len(self.codec.encode(self.reference(picture), self._ladder[index]))
