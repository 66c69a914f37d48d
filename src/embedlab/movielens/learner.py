"""Turn split ratings into tensors, train the chosen model, save and load it with its id maps."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from embedlab.atomic import atomic_path
from embedlab.errors import EmbedlabError
from embedlab.metrics import regression
from embedlab.movielens.config import TrainConfig
from embedlab.movielens.models import build_model, encode, make_vocab
from embedlab.params import build, with_legacy_defaults
from embedlab import training
from embedlab.training import Batches, fit, seed_everything

EVAL_BATCH = 8192


@dataclass(frozen=True)
class RatingModel:
    """A trained network with what it needs to predict and to be rebuilt: its config and the
    sorted user and movie ids of training (id vocab[k] has index k + 1)."""
    net: nn.Module
    cfg: TrainConfig
    users: np.ndarray
    items: np.ndarray

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        """The rating of each (user, item) row; an id unseen in training takes index 0."""
        x = pairs(df, self.users, self.items)
        pred, _ = training.predict(self.net, Batches(x, torch.zeros(len(x)), batch_size=EVAL_BATCH, shuffle=False),
                          torch.device("cpu"))
        return pred

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            torch.save({"config": asdict(self.cfg), "state_dict": self.net.state_dict(),
                        "users": torch.from_numpy(self.users), "items": torch.from_numpy(self.items)}, tmp)


@dataclass(frozen=True)
class Trained:
    model: RatingModel
    history: list[dict]  # one row per epoch


def pairs(df: pd.DataFrame, users: np.ndarray, items: np.ndarray) -> torch.Tensor:
    """(N, 2) long tensor of (user index, movie index); 0 for ids unseen in training."""
    return torch.from_numpy(np.stack([encode(df["user"].to_numpy(), users),
                                      encode(df["item"].to_numpy(), items)], axis=1))


def check_range(cfg: TrainConfig, ratings: pd.Series) -> None:
    lo, hi = cfg.rating_range
    if ratings.min() < lo or ratings.max() > hi:
        raise EmbedlabError(f"movielens.train.rating_range {list(cfg.rating_range)} does not cover the "
                            f"ratings ({ratings.min()}..{ratings.max()}); widen it")


def train(cfg: TrainConfig, train_df: pd.DataFrame, valid_df: pd.DataFrame, device: torch.device,
          on_epoch: Callable[[dict], None] | None = None) -> Trained:
    check_range(cfg, train_df["rating"])
    seed_everything(cfg.seed)
    users, items = make_vocab(train_df["user"].to_numpy()), make_vocab(train_df["item"].to_numpy())
    model = build_model(cfg, len(users), len(items))
    y_train = torch.tensor(train_df["rating"].to_numpy(np.float32))
    y_valid = torch.tensor(valid_df["rating"].to_numpy(np.float32))
    history = fit(
        model,
        Batches(pairs(train_df, users, items), y_train, batch_size=cfg.batch_size, shuffle=True,
                seed=cfg.seed),
        Batches(pairs(valid_df, users, items), y_valid, batch_size=EVAL_BATCH, shuffle=False),
        nn.MSELoss(),
        epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay, device=device,
        metrics={"valid_rmse": lambda y, p: regression(y, p)["rmse"]},
        on_epoch=on_epoch,
    )
    return Trained(RatingModel(model.cpu(), cfg, users, items), history)


def load(path: Path) -> RatingModel:
    if not path.is_file():
        raise EmbedlabError(f"no trained model at {path}; run `dvc repro movielens_train` first")
    saved = torch.load(path, weights_only=True)
    cfg = build(TrainConfig, with_legacy_defaults(saved["config"], "movielens.train"), f"{path}'s config")
    users, items = saved["users"].numpy(), saved["items"].numpy()
    model = build_model(cfg, len(users), len(items))
    model.load_state_dict(saved["state_dict"])
    return RatingModel(model.eval(), cfg, users, items)
