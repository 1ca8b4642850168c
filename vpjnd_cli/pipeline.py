"""One picture, end to end: JND map, candidates encoded and judged block by block, the result.

``predict`` finds the level; ``compress`` also makes the file to write (the final encode, judged
again when it changes pixels). Nothing here prints or writes files: the commands do.

A candidate is judged on its colour as a viewer sees it (source.py) and, for a transparent
picture whose codec keeps alpha, on its alpha plane too; it passes when both do.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from vpjnd_cli.codecs.base import Codec, Level
from vpjnd_cli.cpus import process_threads
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import Metadata
from vpjnd_cli.judges.base import Judge
from vpjnd_cli.search import run_search
from vpjnd_cli.source import Source

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class SearchSettings:
    """How a picture is judged: target SUR, the search method ("spread", or the paper's "block"
    search of ``block_size`` levels per batch), JND model, a forced level, and the criterion the
    judge stands for ("paper" or "strict", criteria.py; recorded in results and markers)."""

    sur: float = 0.75
    method: str = "spread"
    block_size: int = 8
    jnd_model: str = "epc"
    level: int | None = None  # the codec's own setting (QF, QP): judge only that level
    criterion: str = "paper"
    min_level: int | None = None  # the codec's own settings the search keeps to (inclusive)
    max_level: int | None = None
    chroma_fallback: bool = False  # no 4:2:0 level passes: search the codec's finer_rungs


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


class AlphaJudge:
    """The alpha plane's own check. A plane that decodes exactly passes (P = 1) at no cost; any
    other is judged, by the picture's judge, as the worst a viewer can see: an alpha error of d
    is an error of d grey levels where a white shape lies over black, or a black one over white.
    The plane is judged as both grey pictures (alpha, and 255 - alpha) and the lower P counts.
    """

    def __init__(self, alpha: np.ndarray, judge: Judge, jnd_model: str) -> None:
        self.alpha, self.judge, self.jnd_model = alpha, judge, jnd_model
        self._prepared: list[object] = []  # per polarity, on the first plane that differs

    def probabilities(self, planes: Sequence[np.ndarray | None], judge: Judge) -> np.ndarray:
        """P per decoded plane (None: the candidate came back opaque), by ``judge``: the picture's
        judge for the candidates' codec (Judge.for_codec), which our preparations serve."""
        seen = [np.full_like(self.alpha, 255) if plane is None else plane for plane in planes]
        out = np.ones(len(seen))
        differ = [i for i, plane in enumerate(seen) if not np.array_equal(plane, self.alpha)]
        if not differ:
            return out
        if not self._prepared:
            for grey in _polarities(self.alpha):
                self._prepared.append(self.judge.prepare(grey, self.judge.jnd_map(grey, self.jnd_model)))
        shown = [_polarities(seen[i]) for i in differ]
        out[differ] = np.minimum(*(judge.probabilities(prepared, [pair[k] for pair in shown])
                                   for k, prepared in enumerate(self._prepared)))
        return out


def _polarities(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plane as a white shape on black and as a black shape on white (HxWx3 grey pictures)."""
    white_on_black = np.repeat(plane[..., None], 3, axis=2)
    return white_on_black, 255 - white_on_black


@dataclass(frozen=True)
class Reference:
    """The judge's per-picture state, computed once and shared by the searches of several codecs."""

    source: Source
    jnd: np.ndarray  # the JND map of source.reference (HxW float32, grey levels)
    prepared: object
    alpha: AlphaJudge | None  # None: the source is opaque
    seconds: dict[str, float]  # "jnd" and "prepare"

    def judge(self, judge: Judge, decoded: Sequence[np.ndarray]) -> np.ndarray:
        """P(no visible difference) of decoded candidates (HxWx3, or HxWx4 with alpha): the
        lower of their colour's, seen over the background, and their alpha plane's."""
        colour = judge.probabilities(self.prepared, [self.source.seen(pixels) for pixels in decoded])
        if self.alpha is None:
            return colour
        planes = [pixels[..., 3] if pixels.shape[2] == 4 else None for pixels in decoded]
        return np.minimum(colour, self.alpha.probabilities(planes, judge))


def prepare_reference(source: Source, judge: Judge, jnd_model: str) -> Reference:
    """The JND map and the judge's preparation of the picture as a viewer sees it."""
    start = time.perf_counter()
    jnd = judge.jnd_map(source.reference, jnd_model)
    jnd_seconds = time.perf_counter() - start
    start = time.perf_counter()
    prepared = judge.prepare(source.reference, jnd)
    alpha = None if source.alpha is None else AlphaJudge(source.alpha, judge, jnd_model)
    return Reference(source, jnd, prepared, alpha, {"jnd": jnd_seconds, "prepare": time.perf_counter() - start})


class CandidateJudge:
    """Encodes, decodes and judges ladder levels of one picture, counting the work. The search
    encodes are kept (a few hundred kB at most), so that finalise and the report reuse them."""

    def __init__(self, source: Source, codec: Codec, judge: Judge, reference: Reference, ladder: list[Level]) -> None:
        self.pixels = source.encoded(codec.keeps_alpha)
        self.codec, self.reference, self.ladder = codec, reference, ladder
        self.judge = judge.for_codec(codec.name)
        self.encoded: dict[int, bytes] = {}
        self.encodes = 0
        self.seconds = {"encode": 0.0, "decode": 0.0, "judge": 0.0}

    def __call__(self, indices: list[int]) -> np.ndarray:
        """P of each level: the batch's missing encodes, then its decodes, run side by side."""
        self._encode_missing(indices)
        decoded = self._timed("decode", side_by_side, self.codec.decode, [self.encoded[index] for index in indices])
        return self.judge_decoded(decoded)

    def judge_decoded(self, decoded: list[np.ndarray]) -> np.ndarray:
        return self._timed("judge", self.reference.judge, self.judge, decoded)

    def extended(self, ladder: list[Level], offset: int) -> CandidateJudge:
        """The same picture over a longer ladder whose rungs from ``offset`` on are this one's; the
        encodes made so far and the work counted come along."""
        longer = copy.copy(self)
        longer.ladder, longer.seconds = ladder, dict(self.seconds)
        longer.encoded = {offset + index: data for index, data in self.encoded.items()}
        return longer

    def search_encode(self, index: int) -> bytes:
        """A level's search encode (``codec.encode``), made once."""
        self._encode_missing([index])
        return self.encoded[index]

    def _encode_missing(self, indices: list[int]) -> None:
        """The search encodes of those levels not made yet, side by side, counted and timed."""
        missing = [index for index in dict.fromkeys(indices) if index not in self.encoded]
        if missing:
            made = self._timed("encode", side_by_side, self._encode, missing)
            self.encoded.update(zip(missing, made, strict=True))
            self.encodes += len(missing)

    def _encode(self, index: int) -> bytes:
        return self.codec.encode(self.pixels, self.ladder[index])

    @property
    def sizes(self) -> dict[int, int]:
        return {index: len(data) for index, data in self.encoded.items()}

    def size(self, index: int) -> int:
        """The search-encode size of a level, encoding it if the search did not."""
        return len(self.search_encode(index))

    def _timed(self, stage: str, function, *args):
        start = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.seconds[stage] += time.perf_counter() - start


def side_by_side(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``function`` of each item, on as many threads as this process's share of the CPUs.

    A batch's encodes and decodes are independent, and the encoders and decoders run outside
    the GIL, so one picture keeps every core busy. Each encoder runs with the thread count it
    has alone, so the bytes do not change. With ``-j`` as large as the CPU count, each worker's
    share is one thread: the workers fill the cores already.
    """
    threads = min(len(items), process_threads())
    if threads <= 1:
        return [function(item) for item in items]
    pool = ThreadPoolExecutor(threads, thread_name_prefix="vpjnd-candidate")
    try:
        return list(pool.map(function, items))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # an error or Ctrl-C: start no more


def predict(
    source: Source, codec: Codec, judge: Judge, settings: SearchSettings, reference: Reference | None = None
) -> tuple[Prediction, CandidateJudge]:
    """Search the codec's ladder for the most distorted level the judge passes.

    ``reference``: from ``prepare_reference`` for this source and judge, when several codecs are
    searched (its seconds are then reported by every search that shares it).
    """
    ladder = bounded_ladder(codec, settings.min_level, settings.max_level)
    if reference is None:
        reference = prepare_reference(source, judge, settings.jnd_model)
    candidates = CandidateJudge(source, codec, judge, reference, ladder)
    if settings.level is None and len({level.chroma for level in ladder}) > 1:
        chosen, probabilities, batches = _search_each_sampling(ladder, candidates, settings)
    elif settings.level is None:
        result = run_search(settings.method, len(ladder), candidates, sur=settings.sur,
                            block_size=settings.block_size)
        chosen, probabilities, batches = result.chosen, result.probabilities, result.batches
    else:
        index = ladder_index(ladder, settings.level, codec.name)
        probability = float(candidates([index])[0])
        chosen, probabilities, batches = index, {index: probability}, 1
    finer = codec.finer_rungs(ladder) if settings.chroma_fallback and settings.level is None else []
    if chosen is None and finer:
        # The finer rungs go first: the ladder stays ordered from the least distorted rung, as
        # finalise's steps back and its "none passed: write rung 0" need; the 4:2:0 ones follow.
        candidates = candidates.extended(finer + ladder, offset=len(finer))
        ladder, probabilities = candidates.ladder, {len(finer) + i: p for i, p in probabilities.items()}
        result = run_search(settings.method, len(finer), candidates, sur=settings.sur, block_size=settings.block_size)
        chosen, batches = result.chosen, batches + result.batches
        probabilities.update(result.probabilities)
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


def _search_each_sampling(ladder: list[Level], candidates: CandidateJudge,
                          settings: SearchSettings) -> tuple[int | None, dict[int, float], int]:
    """A ladder of both samplings (``--chroma both``): each sampling's rungs searched apart, and
    the smaller search encode of their answers chosen.

    Why not one search over the interleaved ladder: its order (4:4:4 before 4:2:0 at each setting)
    assumes a 4:2:0 rung is less distorted than the 4:4:4 rung of the next setting, which chroma
    subsampling breaks. On a photo whose every 4:2:0 rung fails the strict criterion, the single
    search stopped at the first failing 4:2:0 rung, QF 98, where the 4:4:4 rungs alone pass down to
    QF 91, at half the bytes. Each sampling alone is ordered; its answer is read the monotone way.
    """
    chosen: int | None = None
    probabilities: dict[int, float] = {}
    batches = 0
    for chroma in dict.fromkeys(level.chroma for level in ladder):
        rungs = [index for index, level in enumerate(ladder) if level.chroma == chroma]

        def judge_rungs(picked: list[int], rungs: list[int] = rungs) -> np.ndarray:
            return candidates([rungs[i] for i in picked])

        result = run_search(settings.method, len(rungs), judge_rungs, sur=settings.sur, block_size=settings.block_size)
        probabilities.update({rungs[i]: p for i, p in result.probabilities.items()})
        batches += result.batches
        if result.chosen is not None:
            index = rungs[result.chosen]
            if chosen is None or candidates.size(index) < candidates.size(chosen):
                chosen = index
    return chosen, probabilities, batches


def bounded_ladder(codec: Codec, low: int | None, high: int | None) -> list[Level]:
    """The codec's ladder without the levels whose setting lies outside ``low``..``high`` (the
    codec's own units, either bound None: open), as jpeg-recompress's --min and --max; a range
    that holds no level is a UsageError."""
    ladder = codec.levels()
    kept = [level for level in ladder
            if (low is None or level.setting >= low) and (high is None or level.setting <= high)]
    if not kept:
        settings = sorted({level.setting for level in ladder})
        raise UsageError(f"{codec.name} has no level from {'-' if low is None else low} to "
                         f"{'-' if high is None else high}; its levels run from {settings[0]} to {settings[-1]}")
    return kept


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
    codec, ladder = candidates.codec, prediction.ladder
    index = 0 if prediction.chosen is None else prediction.chosen
    rejudged = False
    while True:
        data = codec.encode_final(candidates.pixels, ladder[index], metadata)
        probability = prediction.probabilities.get(index, float("nan"))
        final_pixels = codec.decode(data)
        search_pixels = codec.decode(candidates.search_encode(index))
        if np.array_equal(final_pixels, search_pixels):
            return Compressed(data, index, probability, rejudged)
        rejudged = True
        probability = float(candidates.judge_decoded([final_pixels])[0])
        if probability >= settings.sur or index == 0 or prediction.chosen is None:
            return Compressed(data, index, probability, rejudged)
        index -= 1
