"""Turn split ratings into tensors, train the chosen model, save and load it with its id maps."""
from __future__ import annotations

from dataclasses import asdict
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
from embedlab.training import Batches, fit, predict, seed_everything

EVAL_BATCH = 8192


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
          on_epoch: Callable[[dict], None] | None = None):
    """Returns (model, users, items, history)."""
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
    return model.cpu(), users, items, history


def predict_ratings(model: nn.Module, df: pd.DataFrame, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    x = pairs(df, users, items)
    pred, _ = predict(model, Batches(x, torch.zeros(len(x)), batch_size=EVAL_BATCH, shuffle=False),
                      torch.device("cpu"))
    return pred


def save(path: Path, model: nn.Module, cfg: TrainConfig, users: np.ndarray, items: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        torch.save({"config": asdict(cfg), "state_dict": model.state_dict(),
                    "users": torch.from_numpy(users), "items": torch.from_numpy(items)}, tmp)


def load(path: Path):
    """Returns (model, config, users, items)."""
    if not path.is_file():
        raise EmbedlabError(f"no trained model at {path}; run `dvc repro movielens_train` first")
    saved = torch.load(path, weights_only=True)
    cfg = TrainConfig(**saved["config"])
    users, items = saved["users"].numpy(), saved["items"].numpy()
    model = build_model(cfg, len(users), len(items))
    model.load_state_dict(saved["state_dict"])
    return model.eval(), cfg, users, items
