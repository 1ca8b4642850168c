"""Named VP-JNDnet variants: one place for each network's sizes and choices (timm's registry idea).

``vpjnd train --arch NAME`` builds the named variant, whose single fields its options may
override; the weights file's header records the config, ``name`` included, so a file says which
variant it was built from; the Makefile's ``model`` target names the variant the shipped file is
trained as. ``NetConfig``'s own defaults are not a variant: they are what weights files written
before a field existed imply (model/config.py).

- ``vpjndnet-small``: the shipped size, small enough that labelling and training fit in 90 minutes
  on a 2-core CPU: 16/32/64/128 channels, 64 px patches, 128 hidden units, 32 patches per picture.
- ``vpjndnet-paper``: the released graph's layer sizes: 32/64/128/256 channels, 128 px patches,
  512 hidden units; 8 patches per picture cover the same area as the small variant's 32.

Both read the distortion with ``difference_gain`` 100 and vote with softplus weights; they judge the
patches without their mirror images (``flip_average`` off: twice the network's work) and as cut
(``orient_patches`` off, as the shipped file was trained and measured). NetConfig explains each
choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from vpjnd_cli.model.config import NetConfig

DEFAULT_VARIANT = "vpjndnet-small"


def attention_for(blocks: int) -> tuple[str, ...]:
    """Channel attention in every block but the last, which has the non-local block (as released)."""
    return ("channel",) * (blocks - 1) + ("nonlocal",)


def reduction_for(channels: Sequence[int]) -> int:
    """The channel attention's reduction: 16 as released, less where the narrowest block has fewer
    than 32 channels (its bottleneck keeps at least 2)."""
    return min(16, max(1, min(channels) // 2))


def _variant(name: str, channels: tuple[int, ...], **fields: Any) -> NetConfig:
    ours = {"difference_gain": 100.0, "weight_activation": "softplus", "flip_average": False}
    return NetConfig(name=name, channels=channels, attention=attention_for(len(channels)),
                     reduction=reduction_for(channels), **{**ours, **fields})


VARIANTS: dict[str, NetConfig] = {
    config.name: config
    for config in (
        _variant("vpjndnet-small", (16, 32, 64, 128), hidden=128, patch_size=64, patches_per_picture=32),
        _variant("vpjndnet-paper", (32, 64, 128, 256), hidden=512, patch_size=128, patches_per_picture=8),
    )
}


def get_variant(name: str, channels: Sequence[int] | None = None, **changes: Any) -> NetConfig:
    """The named variant with some fields changed; other ``channels`` bring their own attention
    and reduction. An unknown name or a bad value is a ValueError."""
    if name not in VARIANTS:
        raise ValueError(f"unknown network variant {name!r}; choose from {', '.join(VARIANTS)}")
    config = VARIANTS[name]
    if channels is not None:
        widths = tuple(channels)
        changes = {"channels": widths, "attention": attention_for(len(widths)), "reduction": reduction_for(widths),
                   **changes}
    return replace(config, **changes)
