"""VP-JNDnet in PyTorch: three patch streams (reference, distorted, JND map) and a weighted patch vote.

The methods are split so that inference computes the reference and JND streams once per picture
(``features``, ``jnd_features``) and only the distorted stream per candidate, then ``head``.
Every fully connected map (the CBAM MLP, the non-local 1x1 projections, the heads) runs as one GEMM
per sample (``batched_linear``): a single GEMM over all rows picks kernels by row count and changes
the last bits, which would make a picture's answer depend on what else shares its batch.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vpjnd_cli.model.config import NetConfig

STD_EPS = 1e-6  # inside the sqrt of GP_S: keeps the gradient finite on flat patches
WEIGHT_FLOOR = 1e-6  # w_i = act(.) + 1e-6, as released: the vote never divides by zero
WEIGHT_ACTIVATION: dict[str, Callable[[Tensor], Tensor]] = {"relu": F.relu, "softplus": F.softplus}


def batched_linear(x: Tensor, layer: nn.Linear) -> Tensor:
    """``layer`` on x [N, M, K] -> [N, M, H] with one GEMM per n, so rows of n never see other n."""
    n, m, _ = x.shape
    weight = layer.weight.t().expand(n, -1, -1)
    return torch.baddbmm(layer.bias.expand(n, m, -1), x, weight)


class ChannelAttention(nn.Module):
    """CBAM channel attention: a shared MLP over global avg and max, summed, sigmoid.

    Returns the factor; ``Block`` multiplies it in (after pooling, see there).
    """

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        inner = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, inner)
        self.fc2 = nn.Linear(inner, channels)

    def forward(self, x: Tensor) -> Tensor:
        """The per-channel factor [N, C, 1, 1] in (0, 1)."""
        pooled = torch.stack((x.mean((2, 3)), x.amax((2, 3))), dim=1)  # [N, 2, C]
        scores = batched_linear(F.relu(batched_linear(pooled, self.fc1)), self.fc2).sum(1)
        return torch.sigmoid(scores)[:, :, None, None]


class NonLocal(nn.Module):
    """Embedded-Gaussian non-local block as released: theta/phi/g/W are C -> C 1x1 maps with bias
    (held as Linear over positions), softmax over positions, residual add, no batch norm."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.theta, self.phi, self.g, self.out = (nn.Linear(channels, channels) for _ in range(4))

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        flat = x.flatten(2).transpose(1, 2)  # [N, HW, C]
        theta, phi, g = (batched_linear(flat, layer) for layer in (self.theta, self.phi, self.g))
        affinity = torch.softmax(torch.bmm(theta, phi.transpose(1, 2)), dim=-1)  # [N, HW, HW]
        y = batched_linear(torch.bmm(affinity, g), self.out)
        return x + y.transpose(1, 2).reshape(n, c, h, w)


def _attention(kind: str, channels: int, reduction: int) -> nn.Module:
    if kind == "channel":
        return ChannelAttention(channels, reduction)
    if kind == "nonlocal":
        return NonLocal(channels)
    return nn.Identity()


class Block(nn.Module):
    """conv3x3 (bias) -> ReLU -> attention -> maxpool 2x2."""

    def __init__(self, in_channels: int, out_channels: int, attention: str, reduction: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.attention = _attention(attention, out_channels, reduction)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.conv(x), inplace=True)
        if isinstance(self.attention, ChannelAttention):
            # max pooling commutes with a positive per-channel factor, bit for bit (rounding is
            # monotone): pooling first saves three quarters of the multiplications
            return F.max_pool2d(x, 2) * self.attention(x)
        return F.max_pool2d(self.attention(x), 2)


class Extractor(nn.Module):
    """Four (or len(channels)) blocks, then GP_M/GP_S pooling.

    Maps run channels-last: oneDNN convolutions, ReLU and max pooling are about 1.5x faster that way
    on CPU, and the non-local block's [N, HW, C] view of such a map is contiguous.
    """

    def __init__(self, in_channels: int, config: NetConfig) -> None:
        super().__init__()
        widths = (in_channels, *config.channels)
        self.blocks = nn.Sequential(*(
            Block(c_in, c_out, kind, config.reduction)
            for (c_in, c_out), kind in zip(pairwise(widths), config.attention, strict=True)
        ))
        self.global_pool = config.pooling == "meanstd"

    def forward(self, x: Tensor) -> Tensor:
        """x [N, C, S, S] normalised -> [N, feature_dim] float32."""
        maps = self.blocks(x.contiguous(memory_format=torch.channels_last)).float()
        if self.global_pool:
            mean, var = maps.mean((2, 3)), maps.var((2, 3), unbiased=False)
        else:  # released: GP_M/GP_S over 1x1 windows, i.e. the map itself and a zero variance
            mean, var = maps, torch.zeros_like(maps)
        return torch.cat((mean.flatten(1), torch.sqrt(var + STD_EPS).flatten(1)), dim=1)


class PatchMLP(nn.Module):
    """FC(hidden, ReLU, dropout) -> FC(1) applied to every patch: [B, P, K] -> [B, P]."""

    def __init__(self, in_features: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x: Tensor) -> Tensor:
        hidden = self.dropout(F.relu(batched_linear(x, self.fc1)))
        # FC(1) as a dot product: BLAS takes a GEMV path for a single output and a lone picture
        return (hidden.float() * self.fc2.weight[0]).sum(-1) + self.fc2.bias[0]


class VPJNDNet(nn.Module):
    """Binary classifier: logit of P(candidate is perceptually lossless against the reference)."""

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        self.extractor = Extractor(config.in_channels, config)
        self.jnd_extractor = None if config.share_jnd_extractor else Extractor(config.jnd_channels, config)
        dim = config.feature_dim
        self.quality_head = PatchMLP(3 * dim, config.hidden, config.dropout)
        weight_inputs = 2 if config.weight_head_input == "figure" else 3
        self.weight_head = PatchMLP(weight_inputs * dim, config.hidden, config.dropout)

    def features(self, pixels: Tensor) -> Tensor:
        """Reference/distorted stream: pixels [N, C, S, S] in 0..255 (uint8 or float) -> [N, F]."""
        c = self.config
        pixels = pixels.contiguous(memory_format=torch.channels_last)  # relayout the bytes, not floats
        return self.extractor(pixels.float() / c.pixel_divisor - c.pixel_offset)

    def jnd_features(self, jnd: Tensor) -> Tensor:
        """JND stream: map [N, 1 or jnd_channels, S, S] in grey levels -> [N, F]."""
        c = self.config
        x = jnd.float().expand(-1, c.jnd_channels, -1, -1) / c.jnd_divisor - c.jnd_offset
        return (self.jnd_extractor or self.extractor)(x)

    def head(self, f_ref: Tensor, f_dist: Tensor, f_jnd: Tensor, mask: Tensor | None = None) -> Tensor:
        """Per-patch quality q_i and weight w_i, then s = sum w_i q_i / sum w_i per picture.

        f_* are [B, P, F]; f_ref and f_jnd may be [P, F] or [1, P, F] and broadcast over the B
        candidates of one picture. ``mask`` [B, P] (True = real patch) allows ragged patch counts.
        Returns logits [B] (float32).
        """
        f_ref, f_dist, f_jnd = torch.broadcast_tensors(f_ref, f_dist, f_jnd)
        if self.config.difference_gain != 1.0:  # exactly the released heads at 1 (config.py)
            f_dist = f_ref + self.config.difference_gain * (f_dist - f_ref)
        quality = self.quality_head(torch.cat((f_dist, f_ref, f_dist - f_ref), dim=-1))
        if self.config.weight_head_input == "figure":
            weight_in = torch.cat((f_dist, f_jnd), dim=-1)
        else:
            weight_in = torch.cat((f_dist, f_ref, f_ref * f_jnd), dim=-1)
        weight = WEIGHT_ACTIVATION[self.config.weight_activation](self.weight_head(weight_in)) + WEIGHT_FLOOR
        if mask is not None:
            weight = weight * mask
        return (weight * quality).sum(-1) / weight.sum(-1)

    def forward(self, ref: Tensor, dist: Tensor, jnd: Tensor, owner: Tensor | None = None) -> Tensor:
        """ref, jnd [G, P, C, S, S] (pixels 0..255, JND in grey levels); dist [N, P, C, S, S] -> logits [N].

        ``owner`` [N] names the reference of each candidate (training groups several levels of one
        picture on shared patches); without it N = G and candidate i belongs to reference i.
        """
        f_ref, f_dist, f_jnd = (
            extract(x.flatten(0, 1)).view(x.shape[0], x.shape[1], -1)
            for extract, x in ((self.features, ref), (self.features, dist), (self.jnd_features, jnd))
        )
        if owner is not None:
            f_ref, f_jnd = f_ref[owner], f_jnd[owner]
        return self.head(f_ref, f_dist, f_jnd)
