"""The `rossmann` section of params.yaml as typed objects."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from embedlab.dropout_config import StudyConfig
from embedlab.errors import EmbedlabError
from embedlab.params import build, section


@dataclass(frozen=True)
class SplitConfig:
    method: Literal["window", "recent", "random"]
    start: str  # window only: first and last validation day, inclusive
    end: str
    valid_frac: float  # random only
    seed: int

    def __post_init__(self):
        try:
            first, last = date.fromisoformat(self.start), date.fromisoformat(self.end)
        except ValueError:
            raise EmbedlabError(f"rossmann.split.start/end must be YYYY-MM-DD dates, got "
                                f"{self.start!r}, {self.end!r}") from None
        if first > last:
            raise EmbedlabError(f"rossmann.split.start {self.start} is after end {self.end}")
        if not 0 < self.valid_frac < 1:
            raise EmbedlabError(f"rossmann.split.valid_frac must be between 0 and 1, got {self.valid_frac}")


@dataclass(frozen=True)
class TrainConfig:
    emb_size_rule: Literal["lesson", "fastai"]
    emb_dropout: float
    layers: tuple[int, ...]
    dropouts: tuple[float, ...]
    y_range_factor: float
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    seed: int
    max_train_rows: int | None  # a random subset, for quick runs
    sgdr_after: int | None  # null: one cycle; k: k epochs at lr, then 1-epoch cosine cycles
    betas: tuple[float, ...]
    batchnorm: bool  # after each hidden layer, as fastai v1
    emb_init: Literal["lesson", "fastai"]
    ensemble: int  # networks from seeds seed, seed + 1, ...; their log predictions averaged
    precision: Literal["auto", "bf16", "fp32"]  # of training; predictions are always float32

    def __post_init__(self):
        if len(self.layers) != len(self.dropouts):
            raise EmbedlabError(f"rossmann.train.layers {list(self.layers)} and dropouts "
                                f"{list(self.dropouts)} must have the same length")
        if not all(0 <= p < 1 for p in (*self.dropouts, self.emb_dropout)):
            raise EmbedlabError("rossmann.train dropouts must be in [0, 1)")
        if min(self.epochs, self.batch_size, self.ensemble, *self.layers) < 1:
            raise EmbedlabError("rossmann.train epochs, batch_size, ensemble and layers must be at least 1")
        if self.sgdr_after is not None and not 0 <= self.sgdr_after < self.epochs:
            raise EmbedlabError("rossmann.train.sgdr_after must be null or from 0 to epochs - 1")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise EmbedlabError(f"rossmann.train.betas must be two numbers in [0, 1), got {list(self.betas)}")
        if self.max_train_rows is not None and self.max_train_rows < 1:
            raise EmbedlabError("rossmann.train.max_train_rows must be at least 1, or null for all rows")


@dataclass(frozen=True)
class BaselinesConfig:
    """HistGradientBoostingRegressor's settings for the gradient-boosting baseline."""
    gbm_max_iter: int
    gbm_max_leaf_nodes: int
    gbm_learning_rate: float
    gbm_min_samples_leaf: int
    seed: int


@dataclass(frozen=True)
class RossmannConfig:
    split: SplitConfig
    train: TrainConfig
    baselines: BaselinesConfig
    dropout_study: StudyConfig


def load_config(params: dict) -> RossmannConfig:
    return build(RossmannConfig, section(params, "rossmann"), "rossmann")
