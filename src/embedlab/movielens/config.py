"""The `movielens` section of params.yaml as typed objects."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from embedlab.dropout_config import StudyConfig
from embedlab.errors import EmbedlabError
from embedlab.params import build, section


@dataclass(frozen=True)
class SplitConfig:
    method: Literal["random", "temporal", "u1", "u2", "u3", "u4", "u5"]  # u1..u5: ml-100k's folds
    valid_frac: float
    seed: int
    unseen: Literal["to_train", "keep"]

    def __post_init__(self):
        if not 0 < self.valid_frac < 1:
            raise EmbedlabError(f"movielens.split.valid_frac must be between 0 and 1, got {self.valid_frac}")


@dataclass(frozen=True)
class TrainConfig:
    model: Literal["dot", "neural"]
    n_factors: int
    hidden: int
    emb_dropout: float
    hidden_dropout: float
    rating_range: tuple[float, ...]
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    seed: int

    def __post_init__(self):
        lo_hi = self.rating_range
        if len(lo_hi) != 2 or lo_hi[0] >= lo_hi[1]:
            raise EmbedlabError(f"movielens.train.rating_range must be [low, high], got {list(lo_hi)}")
        for name in ("emb_dropout", "hidden_dropout"):
            if not 0 <= getattr(self, name) < 1:
                raise EmbedlabError(f"movielens.train.{name} must be in [0, 1), got {getattr(self, name)}")
        for name in ("n_factors", "hidden", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise EmbedlabError(f"movielens.train.{name} must be at least 1")


@dataclass(frozen=True)
class BaselinesConfig:
    user_reg: float  # shrinkage of the user and movie biases
    item_reg: float


@dataclass(frozen=True)
class InterpretConfig:
    top_n: int
    min_ratings: int
    pca_movies: int


@dataclass(frozen=True)
class MovieLensConfig:
    split: SplitConfig
    train: TrainConfig
    baselines: BaselinesConfig
    interpret: InterpretConfig
    dropout_study: StudyConfig


def load_config(params: dict) -> MovieLensConfig:
    return build(MovieLensConfig, section(params, "movielens"), "movielens")
