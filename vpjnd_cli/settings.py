"""``Settings``: how pictures are judged, encoded and written, as one typed record.

The command line builds one from its options; Python callers build one directly
(``Settings(sur=0.9, codecs=("webp",))``). It is frozen and picklable: worker processes get a
copy and build their codecs and judge from it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vpjnd_cli.codecs import available_codecs, get_codec
from vpjnd_cli.codecs.base import Codec, CodecOptions
from vpjnd_cli.criteria import CRITERIA, DEFAULT_CHROMA
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import METADATA_KINDS
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS
from vpjnd_cli.model.locate import default_weights_path, trained_codecs, trained_criterion
from vpjnd_cli.pipeline import SearchSettings
from vpjnd_cli.source import WHITE

CHROMA_CHOICES = ("auto", "420", "444", "both")  # auto: the criterion's (DEFAULT_CHROMA)
BPG_BACKENDS = ("auto", "external", "builtin")
ICC_CHOICES = ("keep", "srgb")


@dataclass(frozen=True)
class Settings:
    """Every setting of ``compress`` and ``predict`` (the command line's options of the same names).

    - ``codecs``: the formats searched; several: the smallest passing file wins (``--codec auto``).
      Empty: the output's extension decides (one output file), else JPEG.
    - ``judge``: "vpjndnet" or "pjnd"; None: the network when ``weights`` are given or the installed
      weights were trained on every codec searched, else "pjnd".
    - ``criterion``: what "looks the same" means (criteria.py): "paper" (MCL-JCI's first JND) or
      "strict" (1:1 on a desktop), each judged by its own network; strict has no weight-free
      fallback, so a codec its network was not trained on is a usage error. ``weights`` None means
      the criterion's installed file, found where the judge is built (on each node of a cluster).
    - ``chroma``: "420", "444", "both" (each searched, the smaller kept) or "auto": for paper,
      4:2:0 and, when no 4:2:0 level passes, the codec's finer-chroma rungs (Codec.finer_rungs:
      4:4:4, or lossless for WebP); for strict, both.
    - ``sur``: the satisfied-user ratio a level must reach, within the criterion; ``level``: skip
      the search, use this codec setting; ``search_method``: "spread" (about 11 evaluations for
      JPEG) or "block", the paper's search of ``block_size`` levels per batch (up to 32);
      ``min_level``/``max_level``: the codec settings the search keeps to (inclusive, e.g. JPEG
      QF 40 to 95).
    - ``background``: the sRGB colour transparent pixels are judged on; ``icc``: "keep" writes the
      input's own RGB profile, "srgb" converts; ``keep``: metadata kinds written (exif, icc, xmp).
    - ``min_saving``: percent of the input's size an output must save, else the original is kept.
    - ``level_saving``: also measure ``Result.level_saving``, the chosen level's saving against the
      least distorted level. That takes an encode of that level when the search made none (for a
      1920x1080 BPG, 0.24 s of the 3.1 s in process), so the command line asks for it only with
      ``--json``, the one output that shows it.
    """

    codecs: tuple[str, ...] = ()
    judge: str | None = None
    criterion: str = "paper"
    sur: float = 0.75
    level: int | None = None
    search_method: str = "spread"
    block_size: int = 8
    min_level: int | None = None
    max_level: int | None = None
    chroma: str = "auto"
    jnd_model: str = "epc"
    device: str = "auto"
    weights: Path | None = None
    bpg_backend: str = "auto"
    bpgenc: Path | None = None
    bpgdec: Path | None = None
    background: tuple[int, int, int] = WHITE
    icc: str = "keep"
    keep: frozenset[str] = field(default_factory=lambda: frozenset(METADATA_KINDS))
    max_pixels: int = DEFAULT_MAX_PIXELS
    strict: bool = False
    min_saving: float = 0.0
    keep_original: bool = False
    force: bool = False
    skip_existing: bool = False
    dry_run: bool = False
    preserve_times: bool = False
    level_saving: bool = True

    def __post_init__(self) -> None:
        codecs = (self.codecs,) if isinstance(self.codecs, str) else self.codecs
        object.__setattr__(self, "codecs", tuple(dict.fromkeys(name.lower() for name in codecs)))
        object.__setattr__(self, "keep", frozenset(self.keep))
        for name in ("weights", "bpgenc", "bpgdec"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, Path(getattr(self, name)))
        problems = self._problems()
        if problems:
            raise UsageError("; ".join(problems))

    def _problems(self) -> list[str]:
        from vpjnd_cli.jnd import MODELS
        from vpjnd_cli.judges import JUDGES
        from vpjnd_cli.search import SEARCHES

        out = [f"unknown codec {name!r}; choose from {', '.join(available_codecs())}"
               for name in self.codecs if name not in available_codecs()]
        choices = {"judge": (self.judge, (None, *JUDGES)), "chroma": (self.chroma, CHROMA_CHOICES),
                   "jnd_model": (self.jnd_model, MODELS), "bpg_backend": (self.bpg_backend, BPG_BACKENDS),
                   "icc": (self.icc, ICC_CHOICES), "search_method": (self.search_method, SEARCHES)}
        out += [f"{name} must be one of {', '.join(c for c in allowed if c)}, not {value!r}"
                for name, (value, allowed) in choices.items() if value not in allowed]
        out += [f"unknown metadata kind {kind!r}; choose from {', '.join(METADATA_KINDS)}"
                for kind in sorted(self.keep - set(METADATA_KINDS))]
        out += self._criterion_problems(self.codecs)
        if not 0.0 < self.sur <= 1.0:
            out.append(f"sur must be in (0, 1], not {self.sur}")
        if self.block_size < 1:
            out.append("block_size must be at least 1")
        if self.min_level is not None and self.max_level is not None and self.min_level > self.max_level:
            out.append(f"min_level {self.min_level} is above max_level {self.max_level}")
        if self.level is not None and (self.min_level is not None or self.max_level is not None):
            out.append("a level skips the search; it cannot be used with min_level or max_level")
        if (self.min_level is not None or self.max_level is not None) and len(self.codecs) > 1:
            out.append("min_level and max_level name one codec's settings; they cannot be used with several codecs")
        if self.level is not None and len(self.codecs) > 1:
            out.append("a level names one codec's setting; it cannot be used with several codecs")
        if not 0.0 <= self.min_saving <= 100.0:
            out.append(f"min_saving is a percentage, not {self.min_saving}")
        if len(self.background) != 3 or any(not 0 <= v <= 255 for v in self.background):
            out.append(f"background must be an RGB triple of 0..255, not {self.background!r}")
        if self.force and self.skip_existing:
            out.append("force and skip_existing contradict each other")
        return out

    def _criterion_problems(self, codecs: Sequence[str]) -> list[str]:
        """Why these codecs cannot be judged by this criterion's judge (empty: they can)."""
        if self.criterion not in CRITERIA:
            return [f"criterion must be one of {', '.join(CRITERIA)}, not {self.criterion!r}"]
        if self.judge == "pjnd" and self.criterion != "paper":
            return [f"the pjnd rule is fitted to the paper criterion; the {self.criterion} criterion is judged by "
                    "its network (leave out --judge)"]
        weights = self.weights if self.weights is not None or self.criterion == "paper" else \
            default_weights_path(self.criterion)
        if weights is None or self.judge == "pjnd":
            return []
        trained = trained_criterion(weights)
        if trained is not None and trained != self.criterion:
            return [f"{weights} was trained for the {trained} criterion, not {self.criterion}"]
        covered = trained_codecs(weights) if self.criterion != "paper" else None
        missing = [name for name in codecs if covered is not None and name not in covered]
        if missing:
            return [f"the {self.criterion} criterion's network judges {', '.join(covered or ())} only; it has no "
                    f"judge for {', '.join(missing)} yet"]
        return []

    def judge_for(self, codecs: Sequence[str] | None) -> str:
        """The judge that decides for ``codecs`` (None: a file of unknown format): ``judge`` if set,
        else judges.default_judge; a codec the criterion cannot judge is a UsageError."""
        from vpjnd_cli.judges import default_judge

        problems = self._criterion_problems(codecs or ())
        if problems:
            raise UsageError(problems[0])
        if self.judge is not None:
            return self.judge
        return default_judge(codecs, self.weights) if self.criterion == "paper" else "vpjndnet"

    @property
    def sampling(self) -> str:
        """The chroma the codecs are built with: ``chroma``, "auto" read for the criterion."""
        return DEFAULT_CHROMA[self.criterion] if self.chroma == "auto" else self.chroma

    @property
    def search(self) -> SearchSettings:
        """What the search of one picture needs."""
        return SearchSettings(sur=self.sur, method=self.search_method, block_size=self.block_size,
                              jnd_model=self.jnd_model, level=self.level, criterion=self.criterion,
                              min_level=self.min_level, max_level=self.max_level,
                              chroma_fallback=self.chroma == "auto" and self.sampling == "420")

    def build_codec(self, name: str) -> Codec:
        """A codec with these settings (naming bpgenc or bpgdec implies the external BPG back-end)."""
        backend = "external" if (self.bpgenc or self.bpgdec) and self.bpg_backend == "auto" else self.bpg_backend
        options = CodecOptions(
            chroma=self.sampling,  # type: ignore[arg-type]
            bpg_backend=backend,  # type: ignore[arg-type]
            bpgenc=None if self.bpgenc is None else str(self.bpgenc),
            bpgdec=None if self.bpgdec is None else str(self.bpgdec),
        )
        return get_codec(name, options)
