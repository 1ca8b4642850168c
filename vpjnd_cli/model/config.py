"""Every architectural choice of VP-JNDnet as one frozen, serialisable record.

The config travels inside every weights file, so a file always says which network it belongs to.
The field defaults are what weights files written before a field existed imply (the released layer
sizes, released heads); the named variants that training builds set every choice
(model/variants.py), and ``NetConfig.released()`` builds the graph decoded from the authors'
checkpoint.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

POOLINGS = ("meanstd", "none")
WEIGHT_HEAD_INPUTS = ("figure", "released")
ATTENTIONS = ("channel", "nonlocal", "none")
WEIGHT_ACTIVATIONS = ("relu", "softplus")
# What a config may ask for, far beyond the released network (channels 32..256, hidden 512, 128 px
# patches): a weights file's header cannot make vpjnd build gigabytes before its tensors are checked.
LIMITS = {"blocks": 8, "channels": 1024, "reduction": 1024, "hidden": 8192, "patch_size": 512,
          "patches_per_picture": 4096, "jnd_channels": 3, "difference_gain": 10_000.0, "name": 100}
MAX_MAP_VALUES = 1 << 22  # one patch's largest feature map: 16 MB of float32 (released: 524,288)
MAX_NONLOCAL_POSITIONS = 4096  # a non-local block's affinity matrix holds positions^2 values


@dataclass(frozen=True)
class NetConfig:
    """Architecture, input normalisation and inference patching of one VP-JNDnet.

    - ``attention``: one entry per block: "channel" (CBAM channel attention: shared MLP C -> C/r -> C
      over global avg and max, summed, sigmoid), "nonlocal" (embedded Gaussian, theta/phi/g/W with
      bias, softmax over positions, residual add) or "none".
    - ``pooling``: "meanstd" = GP_M + GP_S over the whole map (2 x last channels features per stream);
      "none" = the released graph, whose GP_M/GP_S are 1x1 windows: the raw map followed by an
      all-constant std half (2 x C x (S/16)^2 = 32,768 features at 128 px).
    - ``weight_head_input``: "figure" = [F_D, F_JND] as the paper's figure draws; "released" =
      [F_D, F_R, F_R * F_JND] as the released graph computes. The quality head always reads
      [F_D, F_R, F_D - F_R].
    - Pixels enter as x / pixel_divisor - pixel_offset (released: x/255 - 0.5). The JND map (grey
      levels, typically 3..25) enters as j / jnd_divisor - jnd_offset; ours is j / 32, which keeps
      its useful range near 0..1 instead of squeezing it into -0.5..-0.4 as /255 - 0.5 would.
      A 1-channel map is repeated to ``jnd_channels``.
    - ``share_jnd_extractor``: one extractor for all three streams, as the figure draws (needs
      jnd_channels == in_channels); released and ours: the JND stream has its own weights.
    - ``dropout``: in both heads; 0.5 is our choice (the rate is a training-time input of the graph).
    - ``jnd_crops_aligned``: training crops of the JND map at the image crops' positions (ours) or
      independently (released). Inference always uses aligned patches.
    - ``difference_gain`` g: the heads read F_D' = F_R + g (F_D - F_R) instead of F_D [ours, not in the
      paper]. Coding artefacts move the pooled features of a freshly initialised extractor by about
      1e-4 of their size, so with g = 1 training starts from a network blind to distortion (measured:
      no loss decrease in 300 steps); g = 100 lets the heads see the difference from the first steps.
      1 (the default, and what older weights files imply) computes exactly the released heads.
    - ``weight_activation``: w_i = act(weight head) + 1e-6. "relu" is the released vote (and what
      older weights files imply). Its failure mode: once the head's output is negative on every
      patch, no gradient reaches it again and the vote is a plain mean for the rest of training
      (measured: every w_i of the JPEG-only model shipped before is exactly 1e-6, docs/experiments.md). "softplus"
      has a gradient everywhere, so a head pushed below zero can come back [ours, not in the paper].
    - ``patches_per_picture``: the most patches cut from one picture at inference (a regular grid,
      see model/patches.py); 8 keeps a 20-candidate search near 3 s on a busy 2-core CPU.
    - ``flip_average``: at inference, average the logit over the patches and their mirror images
      (twice the network's work) [ours]. A picture and its mirror image then get the same answer, and
      the noise of a patch's answer, which spikes the probability along a codec's ladder, is halved.
      False (the default, and what older weights files imply): the patches alone.
    - ``orient_patches``: at inference, mirror every patch whose reference leans right (its
      horizontal first moment of the pixel values is positive), the candidates' and the JND map's
      patches with it [ours]. The grid is left-right symmetric (to a pixel where its spacing
      rounds at a half), so a picture and its mirror image then feed the network the same patches,
      for no extra work (the network was trained on both orientations). False (the default, and
      what older weights files imply): as cut.

    Every field is bounded (``LIMITS``, ``MAX_MAP_VALUES``, ``MAX_NONLOCAL_POSITIONS``; numbers must
    be finite), since a config read from a weights file decides what is built before anything else.
    """

    name: str = "vpjndnet"
    version: int = 1
    channels: tuple[int, ...] = (32, 64, 128, 256)
    attention: tuple[str, ...] = ("channel", "channel", "channel", "nonlocal")
    reduction: int = 16
    in_channels: int = 3
    jnd_channels: int = 1
    share_jnd_extractor: bool = False
    pooling: str = "meanstd"
    weight_head_input: str = "figure"
    hidden: int = 512
    dropout: float = 0.5
    patch_size: int = 128
    patches_per_picture: int = 8
    jnd_crops_aligned: bool = True
    pixel_divisor: float = 255.0
    pixel_offset: float = 0.5
    jnd_divisor: float = 32.0
    jnd_offset: float = 0.0
    difference_gain: float = 1.0
    weight_activation: str = "relu"
    flip_average: bool = False
    orient_patches: bool = False

    def __post_init__(self) -> None:
        for name in ("channels", "attention"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        problems = self._problems()
        if problems:
            raise ValueError("; ".join(problems))

    def _problems(self) -> list[str]:
        out: list[str] = []
        blocks, widest = LIMITS["blocks"], LIMITS["channels"]
        if not 1 <= len(self.channels) <= blocks or not all(1 <= c <= widest for c in self.channels):
            out.append(f"channels must be 1 to {blocks} widths of 1 to {widest}, got {self.channels}")
        if len(self.attention) != len(self.channels):
            out.append(f"attention needs one entry per block ({len(self.channels)}), got {self.attention}")
        out += [f"unknown attention {a!r}" for a in self.attention if a not in ATTENTIONS]
        if self.weight_activation not in WEIGHT_ACTIVATIONS:
            out.append(f"weight_activation must be one of {WEIGHT_ACTIVATIONS}, got {self.weight_activation!r}")
        if self.pooling not in POOLINGS:
            out.append(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.weight_head_input not in WEIGHT_HEAD_INPUTS:
            out.append(f"weight_head_input must be one of {WEIGHT_HEAD_INPUTS}, got {self.weight_head_input!r}")
        for name in ("reduction", "jnd_channels", "hidden", "patch_size", "patches_per_picture"):
            if not 1 <= getattr(self, name) <= LIMITS[name]:
                out.append(f"{name} must be 1 to {LIMITS[name]}, got {getattr(self, name)}")
        if self.in_channels != 3:
            out.append(f"in_channels must be 3 (pictures enter as RGB), got {self.in_channels}")
        if self.patch_size % (2 ** len(self.channels)):
            out.append(f"patch_size {self.patch_size} must be a multiple of 2^{len(self.channels)}")
        if not out:  # the sizes multiply fields that must be in range first
            out += self._size_problems()
        if self.share_jnd_extractor and self.jnd_channels != self.in_channels:
            out.append("share_jnd_extractor needs jnd_channels == in_channels")
        numbers = ("dropout", "pixel_divisor", "pixel_offset", "jnd_divisor", "jnd_offset", "difference_gain")
        out += [f"{name} must be a finite number" for name in numbers if not math.isfinite(getattr(self, name))]
        if out:
            return out  # NaN fails every comparison below too
        if not 0.0 <= self.dropout < 1.0:
            out.append(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0 < self.difference_gain <= LIMITS["difference_gain"]:
            out.append(f"difference_gain must be in (0, {LIMITS['difference_gain']:g}], got {self.difference_gain}")
        if not (self.pixel_divisor > 0 and self.jnd_divisor > 0):
            out.append("pixel_divisor and jnd_divisor must be positive")
        if not 1 <= len(self.name) <= LIMITS["name"] or self.version < 1:
            out.append(f"name must be 1 to {LIMITS['name']} characters and version at least 1")
        return out

    def _size_problems(self) -> list[str]:
        """The activations of one patch, which the weights' tensors do not bound."""
        out = []
        for block, (width, kind) in enumerate(zip(self.channels, self.attention, strict=False)):
            positions = (self.patch_size >> block) ** 2
            if positions * width > MAX_MAP_VALUES:
                out.append(f"block {block + 1} would hold {positions * width:,} values per patch (at most "
                           f"{MAX_MAP_VALUES:,})")
            if kind == "nonlocal" and positions > MAX_NONLOCAL_POSITIONS:
                out.append(f"the non-local block {block + 1} would relate {positions:,} positions (at most "
                           f"{MAX_NONLOCAL_POSITIONS:,})")
        return out

    @property
    def feature_dim(self) -> int:
        """Features per patch and stream that the heads read."""
        last = 2 * self.channels[-1]
        if self.pooling == "meanstd":
            return last
        side = self.patch_size // 2 ** len(self.channels)
        return last * side * side

    @classmethod
    def released(cls, **changes: Any) -> NetConfig:
        """The authors' released graph (docs/design.md, "The network"); its JND scaling is our guess."""
        base = dict(pooling="none", weight_head_input="released", share_jnd_extractor=False,
                    jnd_crops_aligned=False, jnd_divisor=255.0, jnd_offset=0.5, name="vpjndnet-released")
        return cls(**{**base, **changes})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetConfig:
        """Build from ``to_dict()`` output; unknown keys, wrong types and bad values raise ValueError."""
        if not isinstance(data, dict):
            raise ValueError(f"config must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}")
        defaults = cls()
        values = {k: _checked(k, v, getattr(defaults, k)) for k, v in data.items()}
        return cls(**values)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _checked(key: str, value: Any, default: Any) -> Any:
    """Check ``value`` against the type of the field's default (JSON has no tuples or int/float split)."""
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"config {key}: expected a list, got {type(value).__name__}")
        return tuple(_checked(key, v, default[0]) for v in value)
    if isinstance(value, bool) != isinstance(default, bool):
        raise ValueError(f"config {key}: expected {type(default).__name__}, got {type(value).__name__}")
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    if not isinstance(value, type(default)):
        raise ValueError(f"config {key}: expected {type(default).__name__}, got {type(value).__name__}")
    return value
