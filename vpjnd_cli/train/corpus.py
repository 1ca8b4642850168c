"""Our labelled corpus: CORPUS/manifest.csv + CORPUS/pictures/<picture>.png (+ candidates/).

One manifest row per labelled (picture, codec, level): picture, source, split, width, height, codec,
setting, chroma, teacher, distortion, probability, kind. A corpus may hold several codecs and both
chroma samplings; ``CorpusDataset`` is one (codec, sampling) view of it, with that ladder, and
``MixedDataset`` puts views side by side for training one network on all of them.

Candidates: ``vpjnd label`` keeps each scored candidate's bytes in CORPUS/candidates/<codec>/
<picture>/<level>.<ext>; a candidate that is not there is encoded again (deterministic).
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass, fields
from pathlib import Path

import cv2
import numpy as np

from vpjnd_cli.codecs import codec_extensions, get_codec
from vpjnd_cli.codecs.base import Codec, CodecOptions, Level
from vpjnd_cli.criteria import CRITERIA
from vpjnd_cli.errors import InputError, UsageError
from vpjnd_cli.imageio import write_atomic
from vpjnd_cli.train.dataset import JndDataset, PictureInfo

MANIFEST = "manifest.csv"
CALIBRATION = "calibration.json"
PICTURES = "pictures"
CANDIDATES = "candidates"


@dataclass(frozen=True)
class Row:
    """One labelled (picture, codec, level)."""

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
    kind: str = "photo"  # "photo", or the kind of a generated hard picture (train/synthetic.py)

    @property
    def level(self) -> Level:
        return Level(self.setting, self.chroma)  # type: ignore[arg-type]


def picture_path(corpus: Path, picture: str) -> Path:
    return corpus / PICTURES / f"{picture}.png"


def candidate_path(corpus: Path, codec: Codec, picture: str, level: Level) -> Path:
    name = f"{level.label.replace('/', '-')}{codec_extensions(codec.name)[0]}"
    return corpus / CANDIDATES / codec.name / picture / name


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
    """The rows; a manifest written before the ``kind`` column reads as photos."""
    path = corpus / MANIFEST
    if not path.is_file():
        raise InputError(f"no {MANIFEST} here: not a corpus written by `vpjnd label`", corpus)
    try:
        with path.open(newline="") as handle:
            return [Row(**{f.name: f.type_cast(record[f.name]) for f in _TYPED if f.name in record})
                    for record in csv.DictReader(handle)]
    except (KeyError, ValueError, TypeError) as error:
        raise InputError(f"bad {MANIFEST}: {error}", path) from None


@dataclass(frozen=True)
class _Field:
    name: str
    type_cast: type


_TYPED = [_Field(f.name, {"int": int, "float": float, "str": str}[str(f.type)]) for f in fields(Row)]


def corpus_views(root: Path, codecs: list[str] | None = None) -> list[CorpusDataset]:
    """Every (codec, chroma) view of a corpus, or those of ``codecs``, in the manifest's order."""
    rows = read_manifest(root)
    present = list(dict.fromkeys((row.codec, row.chroma) for row in rows))
    unknown = sorted(set(codecs or ()) - {codec for codec, _ in present})
    if unknown:
        raise UsageError(f"the corpus has no {', '.join(unknown)} labels; it has "
                         f"{', '.join(sorted({codec for codec, _ in present}))}")
    return [CorpusDataset(root, codec, chroma, rows=rows) for codec, chroma in present
            if codecs is None or codec in codecs]


def corpus_criterion(root: Path) -> str:
    """The criterion a corpus was labelled for, from its calibration.json ("paper" when it has none
    or predates the strict criterion); an unreadable file is an InputError naming it."""
    path = root / CALIBRATION
    if not path.is_file():
        return "paper"
    try:
        criterion = json.loads(path.read_text()).get("criterion", "paper")
    except (OSError, ValueError, AttributeError) as error:
        raise InputError(f"unreadable calibration ({error})", path) from None
    if criterion not in CRITERIA:
        raise InputError(f"unknown criterion {criterion!r}", path)
    return str(criterion)


class CorpusDataset(JndDataset):
    """One codec and chroma sampling of our corpus behind the JndDataset interface.

    ``codec`` may be left out when the manifest holds one codec; ``chroma`` defaults to 4:2:0 (the
    ladder `compress` searches by default) when the codec has both samplings.
    """

    layout = "corpus"

    def __init__(self, root: Path, codec: str | None = None, chroma: str | None = None, *,
                 rows: list[Row] | None = None) -> None:
        self.root = root
        every_row = read_manifest(root) if rows is None else rows
        if not every_row:
            raise InputError(f"{MANIFEST} has no rows", root)
        codecs = sorted({row.codec for row in every_row})
        if codec is None:
            if len(codecs) > 1:
                raise UsageError(f"the corpus holds {', '.join(codecs)}: choose one with --codec")
            codec = codecs[0]
        chromas = sorted({row.chroma for row in every_row if row.codec == codec})
        if not chromas:
            raise UsageError(f"the corpus has no {codec} labels; it has {', '.join(codecs)}")
        chroma = chroma or ("420" if "420" in chromas else chromas[0])
        self.rows = [row for row in every_row if row.codec == codec and row.chroma == chroma]
        if not self.rows:
            raise UsageError(f"the corpus has no {codec} {chroma} labels")
        self.codec_name, self.chroma = codec, chroma
        self.codec = get_codec(codec, CodecOptions(chroma=chroma, bpg_backend="builtin"))  # type: ignore[arg-type]
        self._ladder = self.codec.levels()
        # candidates of one picture are asked for together: keep the last few references decoded
        self._read = functools.lru_cache(maxsize=8)(self._read_reference)
        position = {level: index for index, level in enumerate(self._ladder)}
        self._labels: dict[str, dict[int, float]] = {}
        self._distortions: dict[tuple[str, int, str], float] = {}
        self._info: dict[str, PictureInfo] = {}
        for row in self.rows:
            self._labels.setdefault(row.picture, {})[position[row.level]] = row.probability
            self._distortions[row.picture, position[row.level], row.teacher] = row.distortion
            self._info[row.picture] = PictureInfo(row.picture, row.source, row.split, row.kind)

    @property
    def criterion(self) -> str:
        return corpus_criterion(self.root)

    @property
    def name(self) -> str:
        """"webp", or "jpeg 4:4:4" for a view of the other sampling (for people)."""
        return self.codec_name if self.chroma == "420" else f"{self.codec_name} 4:4:4"

    @property
    def key(self) -> str:
        """"webp", or "jpeg-444" (for picture names)."""
        return self.codec_name if self.chroma == "420" else f"{self.codec_name}-444"

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

    def distortion(self, picture: str, index: int, teacher: str) -> float | None:
        return self._distortions.get((picture, index, teacher))

    def candidate(self, picture: str, index: int) -> np.ndarray:
        return self.codec.decode(self._bytes(picture, index))

    def size(self, picture: str, index: int) -> int | None:
        return len(self._bytes(picture, index))

    def _bytes(self, picture: str, index: int) -> bytes:
        stored = candidate_path(self.root, self.codec, picture, self._ladder[index])
        if stored.is_file():
            return stored.read_bytes()
        return self.codec.encode(self.reference(picture), self._ladder[index])


class MixedDataset(JndDataset):
    """Several datasets side by side, for one network trained on all of them.

    A picture of a part is ``<part name>:<picture>``; its reference key stays the part's picture,
    so that training computes a reference's JND map once for all the codecs it was labelled with.
    """

    layout = "corpus"  # views of one corpus

    def __init__(self, parts: list[CorpusDataset]) -> None:
        if not parts:
            raise ValueError("a mixed dataset needs at least one part")
        self.parts = {part.key: part for part in parts}
        self.codec_name = "+".join(self.codecs)

    @property
    def codecs(self) -> list[str]:
        return list(dict.fromkeys(part.codec_name for part in self.parts.values()))

    @property
    def criterion(self) -> str:
        return next(iter(self.parts.values())).criterion  # views of one corpus share its calibration

    def _part(self, picture: str) -> tuple[CorpusDataset, str]:
        name, _, inner = picture.partition(":")
        return self.parts[name], inner

    def ladder(self) -> list[Level]:
        raise TypeError("a mixed dataset has one ladder per part")

    def pictures(self) -> list[PictureInfo]:
        return [PictureInfo(f"{name}:{info.id}", info.source, info.split, info.kind)
                for name, part in self.parts.items() for info in part.pictures()]

    def reference_key(self, picture: str) -> str:
        return self._part(picture)[1]

    def codec_of(self, picture: str) -> str:
        return self._part(picture)[0].codec_name

    def reference(self, picture: str) -> np.ndarray:
        part, inner = self._part(picture)
        return part.reference(inner)

    def labels(self, picture: str) -> dict[int, float]:
        part, inner = self._part(picture)
        return part.labels(inner)

    def candidate(self, picture: str, index: int) -> np.ndarray:
        part, inner = self._part(picture)
        return part.candidate(inner, index)

    def size(self, picture: str, index: int) -> int | None:
        part, inner = self._part(picture)
        return part.size(inner, index)
