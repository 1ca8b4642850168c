"""Open a folder as whichever labelled set it holds (our corpus, MCL-JCI or KonJND-1k)."""

from __future__ import annotations

from pathlib import Path

from vpjnd_cli.errors import InputError
from vpjnd_cli.train.corpus import MANIFEST, CorpusDataset
from vpjnd_cli.train.dataset import JndDataset
from vpjnd_cli.train.konjnd import KonJndDataset, looks_like_konjnd
from vpjnd_cli.train.mcl_jci import MclJciDataset, looks_like_mcl_jci


def open_dataset(root: Path, *, codec: str | None = None, votes: Path | None = None, seed: int = 0) -> JndDataset:
    """Detect the layout of ``root``; ``codec`` picks KonJND-1k's half, ``votes`` MCL-JCI's vote file."""
    if not root.is_dir():
        raise InputError("not a folder", root)
    if (root / MANIFEST).is_file():
        return CorpusDataset(root)
    if looks_like_mcl_jci(root):
        return MclJciDataset(root, votes, seed)
    if looks_like_konjnd(root):
        return KonJndDataset(root, codec or "jpeg", seed)
    raise InputError(f"not a known layout: no {MANIFEST} (vpjnd label), ImageJND_SRCxx.bmp (MCL-JCI) "
                     "or subjective_ratings.csv + source_image/ (KonJND-1k)", root)
