"""Open a folder as whichever labelled set it holds (our corpus, MCL-JCI or KonJND-1k)."""

from __future__ import annotations

from pathlib import Path

from vpjnd_cli.errors import InputError
from vpjnd_cli.train.corpus import MANIFEST, CorpusDataset, MixedDataset, corpus_views
from vpjnd_cli.train.dataset import JndDataset
from vpjnd_cli.train.konjnd import KonJndDataset, looks_like_konjnd
from vpjnd_cli.train.mcl_jci import MclJciDataset, looks_like_mcl_jci


def open_datasets(root: Path, *, codecs: list[str] | None = None, chroma: str | None = None,
                  votes: Path | None = None, seed: int = 0) -> list[JndDataset]:
    """The sets in ``root`` to evaluate one by one: a corpus gives one per codec of ``codecs`` (all of
    its codecs when None) at ``chroma`` (default 4:2:0); ``codecs`` picks KonJND-1k's half and
    ``votes`` MCL-JCI's vote file."""
    _check_folder(root)
    if (root / MANIFEST).is_file():
        names = codecs or list(dict.fromkeys(view.codec_name for view in corpus_views(root)))
        return [CorpusDataset(root, name, chroma) for name in names]
    return [_human_set(root, (codecs or ["jpeg"])[0], votes, seed)]


def open_training_set(root: Path, *, codecs: list[str] | None = None, votes: Path | None = None,
                      seed: int = 0) -> JndDataset:
    """The set to train on: every (codec, chroma) view of a corpus (those of ``codecs``) side by side."""
    _check_folder(root)
    if (root / MANIFEST).is_file():
        views = corpus_views(root, codecs)
        return views[0] if len(views) == 1 else MixedDataset(views)
    return _human_set(root, (codecs or ["jpeg"])[0], votes, seed)


def _check_folder(root: Path) -> None:
    if not root.is_dir():
        raise InputError("not a folder", root)


def _human_set(root: Path, codec: str, votes: Path | None, seed: int) -> JndDataset:
    if looks_like_mcl_jci(root):
        return MclJciDataset(root, votes, seed)
    if looks_like_konjnd(root):
        return KonJndDataset(root, codec, seed)
    raise InputError(f"not a known layout: no {MANIFEST} (vpjnd label), ImageJND_SRCxx.bmp (MCL-JCI) "
                     "or subjective_ratings.csv + source_image/ (KonJND-1k)", root)
