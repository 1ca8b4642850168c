"""One picture, end to end: JND map, candidates encoded and judged block by block, the result.

``predict`` finds the level; ``compress`` also makes the file to write (the final encode, judged
again when it changes pixels). Nothing here prints or writes files: the commands do.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from vpjnd_cli.codecs.base import Codec, Level
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import Metadata
from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.judges.base import Judge
from vpjnd_cli.search import BlockRule, block_search


@dataclass(frozen=True)
class SearchSettings:
    """How a picture is judged: target SUR, block size and rule, JND model, a forced level, and the
    criterion (the rule a level passes by: "paper", P(no visible difference) >= sur as in VP-JND)."""

    sur: float = 0.75
    block_size: int = 8
    rule: BlockRule = "mean"
    jnd_model: str = "epc"
    level: int | None = None  # the codec's own setting (QF, QP): judge only that level
    criterion: str = "paper"


@dataclass
class Prediction:
    """The chosen level and everything measured on the way (sizes are search encodes)."""

    codec: str
    ladder: list[Level]
    chosen: int | None  # ladder index; None when no evaluated level passed
    probabilities: dict[int, float]
    sizes: dict[int, int]
    encodes: int
    batches: int
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.chosen is not None

    @property
    def level(self) -> Level | None:
        return None if self.chosen is None else self.ladder[self.chosen]

    @property
    def evaluations(self) -> int:
        return len(self.probabilities)


class CandidateJudge:
    """Encodes, decodes and judges ladder levels of one picture, counting the work."""

    def __init__(self, rgb: np.ndarray, codec: Codec, judge: Judge, prepared: object, ladder: list[Level]) -> None:
        self.rgb, self.codec, self.judge, self.prepared, self.ladder = rgb, codec, judge, prepared, ladder
        self.sizes: dict[int, int] = {}
        self.encodes = 0
        self.seconds = {"encode": 0.0, "decode": 0.0, "judge": 0.0}

    def __call__(self, indices: list[int]) -> np.ndarray:
        decoded = []
        for index in indices:
            data = self._timed("encode", self.codec.encode, self.rgb, self.ladder[index])
            self.encodes += 1
            self.sizes[index] = len(data)
            decoded.append(self._timed("decode", self.codec.decode, data))
        return self._timed("judge", self.judge.probabilities, self.prepared, decoded)

    def size(self, index: int) -> int:
        """The search-encode size of a level, encoding it if the search did not."""
        if index not in self.sizes:
            self.sizes[index] = len(self._timed("encode", self.codec.encode, self.rgb, self.ladder[index]))
            self.encodes += 1
        return self.sizes[index]

    def _timed(self, stage: str, function, *args):
        start = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.seconds[stage] += time.perf_counter() - start


@dataclass(frozen=True)
class Reference:
    """The judge's per-picture state, computed once and shared by the searches of several codecs."""

    prepared: object
    seconds: dict[str, float]  # "jnd" and "prepare"


def prepare_reference(rgb: np.ndarray, judge: Judge, settings: SearchSettings) -> Reference:
    """The JND map and the judge's preparation of the reference picture."""
    start = time.perf_counter()
    jnd = jnd_map(rgb, settings.jnd_model)
    jnd_seconds = time.perf_counter() - start
    start = time.perf_counter()
    prepared = judge.prepare(rgb, jnd)
    return Reference(prepared, {"jnd": jnd_seconds, "prepare": time.perf_counter() - start})


def predict(
    rgb: np.ndarray, codec: Codec, judge: Judge, settings: SearchSettings, reference: Reference | None = None
) -> tuple[Prediction, CandidateJudge]:
    """Search the codec's ladder for the most distorted level the judge passes.

    ``reference``: from ``prepare_reference`` for this picture and judge, when several codecs are
    searched (its seconds are then reported by every search that shares it).
    """
    ladder = codec.levels()
    if reference is None:
        reference = prepare_reference(rgb, judge, settings)
    candidates = CandidateJudge(rgb, codec, judge, reference.prepared, ladder)
    if settings.level is None:
        result = block_search(
            len(ladder), candidates, sur=settings.sur, block_size=settings.block_size, rule=settings.rule
        )
        chosen, probabilities, batches = result.chosen, result.probabilities, result.batches
    else:
        index = ladder_index(ladder, settings.level, codec.name)
        probability = float(candidates([index])[0])
        chosen, probabilities, batches = index, {index: probability}, 1
    seconds = {**reference.seconds, **candidates.seconds}
    prediction = Prediction(
        codec=codec.name,
        ladder=ladder,
        chosen=chosen,
        probabilities=probabilities,
        sizes=candidates.sizes,
        encodes=candidates.encodes,
        batches=batches,
        seconds=seconds,
    )
    return prediction, candidates


def ladder_index(ladder: list[Level], setting: int, codec_name: str) -> int:
    """The first (least distorted) rung with this setting, e.g. QF 40 or QP 30."""
    for index, level in enumerate(ladder):
        if level.setting == setting:
            return index
    settings = sorted({level.setting for level in ladder})
    raise UsageError(f"{codec_name} has no level {setting}; its levels run from {settings[0]} to {settings[-1]}")


@dataclass
class Compressed:
    """The bytes to write and the level they were made at (which may differ from the prediction's)."""

    data: bytes
    index: int
    probability: float
    rejudged: bool


def finalise(
    prediction: Prediction, candidates: CandidateJudge, metadata: Metadata, settings: SearchSettings
) -> Compressed:
    """Make the file at the chosen level (or the least distorted one when none passed).

    When the codec's final encode changes decoded pixels, the final file is judged again and,
    if it no longer passes, the next less distorted levels are tried.
    """
    codec, ladder, judge = candidates.codec, prediction.ladder, candidates.judge
    index = 0 if prediction.chosen is None else prediction.chosen
    rejudged = False
    while True:
        data = codec.encode_final(candidates.rgb, ladder[index], metadata)
        probability = prediction.probabilities.get(index, float("nan"))
        final_pixels = codec.decode(data)
        search_pixels = codec.decode(codec.encode(candidates.rgb, ladder[index]))
        if np.array_equal(final_pixels, search_pixels):
            return Compressed(data, index, probability, rejudged)
        rejudged = True
        probability = float(judge.probabilities(candidates.prepared, [final_pixels])[0])
        if probability >= settings.sur or index == 0 or prediction.chosen is None:
            return Compressed(data, index, probability, rejudged)
        index -= 1
