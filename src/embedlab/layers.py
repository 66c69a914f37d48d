"""Small pieces of network shared by the tasks' models."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# Below this p, drawing the gaps between dropped elements beats torch's draw for every element; they
# cross near p = 0.5 on a CPU, where a geometric draw costs about one Bernoulli draw
# (benchmarks/rossmann_dropout_mask.py)
SPARSE_DROPOUT_BELOW = 0.4


def sigmoid_range(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Squash into (low, high): the output can never leave the range the target lives in."""
    return torch.sigmoid(x) * (high - low) + low


def dropped_positions(n: int, p: float) -> torch.Tensor:
    """The positions that a sequence of n Bernoulli(p) draws sets: the gaps between them are
    independent geometric(p) draws, so about n * p draws place them all."""
    chunks, last = [], -1
    while last < n - 1:
        expected = (n - 1 - last) * p
        # enough gaps to pass n almost always (8 standard deviations); the loop covers the rest
        gaps = torch.empty(int(expected + 8 * expected ** 0.5) + 32, dtype=torch.int64).geometric_(p)
        chunks.append(gaps.cumsum_(0).add_(last))
        last = int(chunks[-1][-1])
    positions = torch.cat(chunks)
    return positions[positions < n]


def sparse_dropout(x: torch.Tensor, p: float) -> torch.Tensor:
    """Dropout in training, drawing only the dropped positions."""
    mask = torch.full((x.numel(),), 1 / (1 - p), dtype=x.dtype, device=x.device)
    mask[dropped_positions(x.numel(), p).to(x.device)] = 0
    return x * mask.view(x.shape)


class Dropout(nn.Module):
    """nn.Dropout, with the same distribution, for the small p of tabular networks. Torch's CPU
    dropout draws one random number per element: 4-5 ms for a 1024 x 1000 batch, a third of a
    Rossmann training step at p = 0.001. This draws only where elements drop (`sparse_dropout`)
    when p is small and the tensor is on a CPU; elsewhere it is torch's."""

    def __init__(self, p: float):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if x.device.type != "cpu" or self.p >= SPARSE_DROPOUT_BELOW:
            return F.dropout(x, self.p, training=True)
        return sparse_dropout(x, self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"
