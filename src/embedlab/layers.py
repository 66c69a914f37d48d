"""Small pieces of network shared by the tasks' models."""
from __future__ import annotations

import torch


def sigmoid_range(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Squash into (low, high): the output can never leave the range the target lives in."""
    return torch.sigmoid(x) * (high - low) + low
