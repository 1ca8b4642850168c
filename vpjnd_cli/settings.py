"""``Settings``: how pictures are judged, encoded and written, as one typed record.

The command line builds one from its options; Python callers build one directly
(``Settings(sur=0.9, codecs=("webp",))``). It is frozen and picklable: worker processes get a
copy and build their codecs and judge from it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vpjnd_cli.codecs import available_codecs, get_codec
from vpjnd_cli.codecs.base import Codec, CodecOptions
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import METADATA_KINDS
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS
from vpjnd_cli.pipeline import SearchSettings
from vpjnd_cli.source import WHITE

CHROMA_CHOICES = ("420", "444", "both")
BPG_BACKENDS = ("auto", "external", "builtin")
ICC_CHOICES = ("keep", "srgb")


@dataclass(frozen=True)
class Settings:
    """Every setting of ``compress`` and ``predict`` (the command line's options of the same names).

    - ``codecs``: the formats searched; several: the smallest passing file wins (``--codec auto``).
      Empty: the output's extension decides (one output file), else JPEG.
    - ``judge``: "vpjndnet" or "pjnd"; None: the network when ``weights`` are given or the installed
      weights were trained on every codec searched, else "pjnd".
    - ``sur``: the satisfied-user ratio a level must reach; ``level``: skip the search, use this
      codec setting; ``search_method``: "spread" (11-12 evaluations for JPEG) or "block", the
      paper's search of ``block_size`` levels per batch (up to 32); ``min_level``/``max_level``:
      the codec settings the search keeps to (inclusive, e.g. JPEG QF 40 to 95).
    - ``background``: the sRGB colour transparent pixels are judged on; ``icc``: "keep" writes the
      input's own RGB profile, "srgb" converts; ``keep``: metadata kinds written (exif, icc, xmp).
    - ``min_saving``: percent of the input's size an output must save, else the original is kept.
    """

    codecs: tuple[str, ...] = ()
    judge: str | None = None
    sur: float = 0.75
    level: int | None = None
    search_method: str = "spread"
    block_size: int = 8
    min_level: int | None = None
    max_level: int | None = None
    chroma: str = "420"
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

    @property
    def search(self) -> SearchSettings:
        """What the search of one picture needs."""
        return SearchSettings(sur=self.sur, method=self.search_method, block_size=self.block_size,
                              jnd_model=self.jnd_model, level=self.level, min_level=self.min_level,
                              max_level=self.max_level)

    def build_codec(self, name: str) -> Codec:
        """A codec with these settings (naming bpgenc or bpgdec implies the external BPG back-end)."""
        backend = "external" if (self.bpgenc or self.bpgdec) and self.bpg_backend == "auto" else self.bpg_backend
        options = CodecOptions(
            chroma=self.chroma,  # type: ignore[arg-type]
            bpg_backend=backend,  # type: ignore[arg-type]
            bpgenc=None if self.bpgenc is None else str(self.bpgenc),
            bpgdec=None if self.bpgdec is None else str(self.bpgdec),
        )
        return get_codec(name, options)
