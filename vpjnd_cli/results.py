"""What a run says about each picture: a ``Result`` with a ``Status``, and the ``Totals`` of a batch.

Both are plain dataclasses that the library fills and the command line, the reports and Python
callers read; ``to_dict`` gives the JSON form (``--json`` lines, ``--report`` files). Levels are
the codec's integer setting (JPEG QF, BPG/HEIC QP, AVIF/WebP quality) with their chroma sampling
beside them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from vpjnd_cli.jsontext import dumps

if TYPE_CHECKING:
    from vpjnd_cli.codecs.base import Codec, Level
    from vpjnd_cli.pipeline import Prediction


class Status(StrEnum):
    """How a picture's job ended."""

    OK = "ok"  # a level passed; its file was written (compress) or it is the answer (predict)
    NO_LEVEL_PASSED = "no level passed"  # the least distorted level was written (compress)
    KEPT_ORIGINAL = "kept original"  # the output would not have been smaller, or --keep-original
    SKIPPED = "skipped"  # done already, or excluded; ``note`` says why
    FAILED = "failed"  # ``error`` says why

    @property
    def processed(self) -> bool:
        """Whether the picture was searched to the end (its bytes count in the totals)."""
        return self in (Status.OK, Status.NO_LEVEL_PASSED, Status.KEPT_ORIGINAL)


@dataclass(frozen=True)
class CodecOutcome:
    """One codec's file under ``--codec auto`` (level None and bytes None: none was made)."""

    level: int | None
    chroma: str | None
    passed: bool
    bytes: int | None


@dataclass
class Result:
    """One picture's outcome. ``level``/``probability`` are the search's answer; ``written_*``
    describe the file written, whose level may be less distorted when its final encode was judged
    again. ``saving`` is the fraction of the input's size saved by the file written, and
    ``level_saving`` compares the search encodes of the chosen and the least distorted levels
    (None unless ``Settings.level_saving``; the command line measures it for ``--json``).
    ``seconds`` holds the time per stage; ``total_seconds`` the job's wall time. ``warnings`` are
    the messages shown on stderr (not part of the JSON form)."""

    path: str
    output: str | None = None
    requested: str | None = None  # the file -o named, when the one written differs
    status: Status | None = None  # None only while the job runs
    written: bool = False
    note: str | None = None
    error: str | None = None
    bytes_in: int | None = None
    codec: str | None = None
    setting_name: str | None = None  # QF, QP, quality
    judge: str | None = None
    sur: float | None = None
    passed: bool | None = None
    level: int | None = None
    chroma: str | None = None
    probability: float | None = None
    evaluations: int | None = None
    encodes: int | None = None
    batches: int | None = None
    probabilities: dict[str, float] = field(default_factory=dict)  # by the codec's level labels
    seconds: dict[str, float] = field(default_factory=dict)
    weights: str | None = None  # the network's weights file as stem-sha256[:8]; None for pjnd
    jnd_model: str | None = None
    criterion: str | None = None  # what "looks the same" means: "paper" or "strict" (criteria.py)
    candidates: dict[str, CodecOutcome] | None = None  # --codec auto: every codec tried
    written_level: int | None = None
    written_chroma: str | None = None
    written_probability: float | None = None
    rejudged: bool | None = None
    level_saving: float | None = None
    bytes_out: int | None = None
    saving: float | None = None
    total_seconds: float | None = None
    warnings: list[str] = field(default_factory=list)

    def add_note(self, text: str) -> None:
        """Add to ``note`` (the report's note column)."""
        self.note = "; ".join(filter(None, [self.note, text]))

    def record_search(self, codec: Codec, judge: str, sur: float, prediction: Prediction) -> None:
        """Fill in what a codec's search measured."""
        ladder = prediction.ladder
        self.codec, self.setting_name, self.judge, self.sur = codec.name, codec.setting_name, judge, sur
        self.passed = prediction.passed
        self.level, self.chroma = level_parts(prediction.level)
        self.probability = None if prediction.chosen is None else prediction.probabilities[prediction.chosen]
        self.evaluations, self.encodes, self.batches = prediction.evaluations, prediction.encodes, prediction.batches
        self.probabilities = {ladder[i].label: round(p, 6) for i, p in sorted(prediction.probabilities.items())}
        self.seconds = {stage: round(value, 4) for stage, value in prediction.seconds.items()}

    def level_label(self, written: bool = False) -> str | None:
        """The level as users write it: QF 50, or QF 50/444 for a 4:4:4 rung (None: no level)."""
        from vpjnd_cli.codecs.base import Level

        setting, chroma = (self.written_level, self.written_chroma) if written else (self.level, self.chroma)
        if setting is None or chroma is None:
            return None
        return f"{self.setting_name} {Level(setting, chroma).label}"  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: every field but ``warnings``, the status as its text."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "warnings"}
        data["status"] = None if self.status is None else str(self.status)
        if self.candidates is not None:
            data["candidates"] = {name: dataclasses.asdict(outcome) for name, outcome in self.candidates.items()}
        data["probabilities"], data["seconds"] = dict(self.probabilities), dict(self.seconds)
        return data

    def to_json(self) -> str:
        return dumps(self.to_dict())


def level_parts(level: Level | None) -> tuple[int | None, str | None]:
    """A level as the codec's integer setting and its chroma sampling."""
    return (None, None) if level is None else (level.setting, level.chroma)


@dataclass(frozen=True)
class Totals:
    """A batch in numbers: files per status, bytes in and out of the processed ones, the saving."""

    files: int
    statuses: dict[str, int]
    failed: int
    bytes_in: int
    bytes_out: int
    saving: float | None
    seconds: float
    interrupted: bool

    @classmethod
    def of(cls, results: Iterable[Result], *, seconds: float, interrupted: bool = False) -> Totals:
        results = list(results)
        counts: dict[str, int] = {}
        for result in results:
            counts[str(result.status)] = counts.get(str(result.status), 0) + 1
        processed = [r for r in results if r.status is not None and r.status.processed and r.bytes_out is not None]
        bytes_in = sum(r.bytes_in or 0 for r in processed)
        bytes_out = sum(r.bytes_out or 0 for r in processed)
        return cls(
            files=len(results), statuses=counts, failed=counts.get(Status.FAILED, 0), bytes_in=bytes_in,
            bytes_out=bytes_out, saving=round(1 - bytes_out / bytes_in, 6) if bytes_in else None,
            seconds=round(seconds, 3), interrupted=interrupted,
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
