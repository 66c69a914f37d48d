"""The lesson's two collaborative-filtering models, and the id <-> index maps they need.

Index 0 is reserved for ids never seen in training: its embedding and bias are padding (zero and
never updated), so an unseen user or movie contributes nothing but what the other side knows."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from embedlab.layers import sigmoid_range
from embedlab.movielens.config import TrainConfig


def make_vocab(ids: np.ndarray) -> np.ndarray:
    """Sorted distinct ids; id vocab[k] gets index k + 1."""
    return np.unique(ids)


def encode(ids: np.ndarray, vocab: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(vocab, ids)
    pos_clipped = np.minimum(pos, len(vocab) - 1)
    known = vocab[pos_clipped] == ids
    return np.where(known, pos_clipped + 1, 0).astype(np.int64)


def _embedding(n: int, dim: int) -> nn.Embedding:
    emb = nn.Embedding(n + 1, dim, padding_idx=0)
    nn.init.trunc_normal_(emb.weight, std=0.01)
    with torch.no_grad():
        emb.weight[0].zero_()
    return emb


class DotBias(nn.Module):
    """Rating = sigmoid_range(user . movie + user bias + movie bias)."""

    def __init__(self, n_users: int, n_items: int, n_factors: int, rating_range: tuple[float, float]):
        super().__init__()
        self.user, self.item = _embedding(n_users, n_factors), _embedding(n_items, n_factors)
        self.user_bias, self.item_bias = _embedding(n_users, 1), _embedding(n_items, 1)
        self.rating_range = tuple(rating_range)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u, i = x[:, 0], x[:, 1]
        dot = (self.user(u) * self.item(i)).sum(1)
        return sigmoid_range(dot + self.user_bias(u).squeeze(1) + self.item_bias(i).squeeze(1),
                             *self.rating_range)


class NeuralCF(nn.Module):
    """Concatenated embeddings -> dropout -> hidden layer -> dropout -> sigmoid range."""

    def __init__(self, n_users: int, n_items: int, n_factors: int, hidden: int,
                 emb_dropout: float, hidden_dropout: float, rating_range: tuple[float, float]):
        super().__init__()
        self.user, self.item = _embedding(n_users, n_factors), _embedding(n_items, n_factors)
        self.head = nn.Sequential(
            nn.Dropout(emb_dropout), nn.Linear(2 * n_factors, hidden), nn.ReLU(),
            nn.Dropout(hidden_dropout), nn.Linear(hidden, 1),
        )
        self.rating_range = tuple(rating_range)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.user(x[:, 0]), self.item(x[:, 1])], dim=1)
        return sigmoid_range(self.head(h).squeeze(1), *self.rating_range)


def build_model(cfg: TrainConfig, n_users: int, n_items: int) -> nn.Module:
    if cfg.model == "dot":
        return DotBias(n_users, n_items, cfg.n_factors, cfg.rating_range)
    return NeuralCF(n_users, n_items, cfg.n_factors, cfg.hidden, cfg.emb_dropout,
                    cfg.hidden_dropout, cfg.rating_range)
