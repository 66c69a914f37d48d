"""The lesson's entity-embedding network: one embedding per categorical, dropout on them, batch-norm
on the continuous inputs, dense ReLU layers with dropout, a sigmoid range over log sales. Later fastai
(v1's TabularModel) added batch-norm after each hidden layer and a small normal embedding init."""
from __future__ import annotations

import torch
from torch import nn

from embedlab.layers import Dropout, sigmoid_range


def embedding_size(cardinality: int, rule: str) -> int:
    if rule == "lesson":
        return min(50, (cardinality + 1) // 2)
    return min(600, round(1.6 * cardinality ** 0.56))


class TabularNet(nn.Module):
    """Input: one float tensor, the categorical codes (0 = missing/unseen) then the continuous
    values, so the model takes a single array when served."""

    def __init__(self, cardinalities: list[int], n_cont: int, *, emb_size_rule: str, emb_dropout: float,
                 layers: list[int], dropouts: list[float], y_range: tuple[float, float],
                 batchnorm: bool = False, emb_init: str = "lesson"):
        super().__init__()
        self.n_cat = len(cardinalities)
        self.embeds = nn.ModuleList(nn.Embedding(n + 1, embedding_size(n + 1, emb_size_rule))
                                    for n in cardinalities)
        for emb in self.embeds:
            if emb_init == "lesson":
                # the 2017 lesson's: wide enough that the categories, not just the continuous
                # inputs, move the first predictions
                bound = 2 / (emb.embedding_dim + 1)
                nn.init.uniform_(emb.weight, -bound, bound)
            else:  # fastai v1's: small, so the first steps of a one-cycle schedule stay stable
                nn.init.trunc_normal_(emb.weight, std=0.01)
        self.emb_drop = Dropout(emb_dropout)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        width = sum(e.embedding_dim for e in self.embeds) + n_cont
        blocks = []
        for size, p in zip(layers, dropouts):
            blocks += [nn.Linear(width, size), nn.ReLU(), *([nn.BatchNorm1d(size)] if batchnorm else []),
                       Dropout(p)]
            width = size
        self.layers = nn.Sequential(*blocks, nn.Linear(width, 1))
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_normal_(layer.weight)
        self.y_range = tuple(y_range)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        codes = x[:, : self.n_cat].long()
        embedded = torch.cat([emb(codes[:, i]) for i, emb in enumerate(self.embeds)], dim=1)
        h = self.layers[:-1](torch.cat([self.emb_drop(embedded), self.bn_cont(x[:, self.n_cat:])], dim=1))
        # the output layer stays float32 under bfloat16 autocast: bfloat16 would round log sales
        # near 8-10 to steps of 1/16, up to 3% off in sales, where RMSPE judges
        with torch.autocast(x.device.type, enabled=False):
            return sigmoid_range(self.layers[-1](h.float()).squeeze(1), *self.y_range)


class Ensemble(nn.Module):
    """Networks trained alike from different seeds. Predicts the mean of their log sales (the geometric
    mean of their sales): each seed lands on a slightly different overall level and different
    outliers, and averaging cancels much of both."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    @property
    def y_range(self) -> tuple[float, float]:
        return self.members[0].y_range  # one training set, one range for all

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.members]).mean(dim=0)
