"""Train the entity-embedding network on log sales; save, load and predict with its preprocessing."""
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
from embedlab.metrics import rmspe
from embedlab.params import build, with_legacy_defaults
from embedlab.rossmann import preprocess
from embedlab.rossmann.config import TrainConfig
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS
from embedlab.rossmann.model import Ensemble, TabularNet
from embedlab import training
from embedlab.training import Batches, fit, seed_everything, wants_bf16

EVAL_BATCH = 8192


@dataclass(frozen=True)
class SalesNetwork:
    """Trained networks with the preprocessing their inputs need (fitted on training rows) and the
    config that rebuilds them."""
    net: Ensemble
    cfg: TrainConfig
    prep: preprocess.Preprocessor

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Sales for each row; a closed day (Open == 0) is 0, a missing Open counts as open."""
        x = torch.from_numpy(self.prep.transform(frame))
        log_sales, _ = training.predict(self.net, Batches(x, torch.zeros(len(x)), batch_size=EVAL_BATCH, shuffle=False),
                               torch.device("cpu"))
        closed = (frame["Open"] == 0).fillna(False).to_numpy(bool) if "Open" in frame else np.zeros(len(x), bool)
        return np.where(closed, 0.0, np.exp(log_sales.astype(np.float64)))

    def log_mse(self, frame: pd.DataFrame) -> float:
        """The training loss (MSE of log sales) over rows with sales, with dropout off."""
        frame = frame[frame["Sales"] > 0]
        return float(np.mean((np.log(self.predict(frame)) - np.log(frame["Sales"].to_numpy())) ** 2))

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            torch.save({"config": asdict(self.cfg), "preprocessor": self.prep.to_dict(),
                        "y_range": self.net.y_range, "state_dict": self.net.state_dict()}, tmp)


@dataclass(frozen=True)
class Trained:
    model: SalesNetwork
    history: list[dict]  # one row per epoch, numbered on across the ensemble's networks


def build_model(cfg: TrainConfig, prep: preprocess.Preprocessor, y_range: tuple[float, float]) -> Ensemble:
    return Ensemble([build_net(cfg, prep, y_range) for _ in range(cfg.ensemble)])


def build_net(cfg: TrainConfig, prep: preprocess.Preprocessor, y_range: tuple[float, float]) -> TabularNet:
    return TabularNet(prep.cardinalities, prep.n_cont, emb_size_rule=cfg.emb_size_rule,
                      emb_dropout=cfg.emb_dropout, layers=list(cfg.layers), dropouts=list(cfg.dropouts),
                      y_range=y_range, batchnorm=cfg.batchnorm, emb_init=cfg.emb_init)


def training_rows(train_df: pd.DataFrame, cfg: TrainConfig) -> pd.DataFrame:
    """The rows a model learns from: days with sales (a closed store sells nothing, and log(0) has
    no place in the target), subsampled when max_train_rows says so. Baselines use the same rows."""
    train_df = train_df[train_df["Sales"] > 0]
    if cfg.max_train_rows and len(train_df) > cfg.max_train_rows:
        train_df = train_df.sample(cfg.max_train_rows, random_state=cfg.seed)
    return train_df


def train(cfg: TrainConfig, train_df: pd.DataFrame, valid_df: pd.DataFrame, device: torch.device,
          on_epoch: Callable[[dict], None] | None = None,
          on_step: Callable[[float, int], None] | None = None) -> Trained:
    """An Ensemble of `cfg.ensemble` networks, the k-th (from 0) seeded with cfg.seed + k and trained
    after the one before it; the history numbers their epochs on (member 2's first epoch follows
    member 1's last)."""
    train_df, valid_df = training_rows(train_df, cfg), valid_df[valid_df["Sales"] > 0]
    prep = preprocess.fit(train_df, CATEGORICAL, CONTINUOUS)
    x_train, x_valid = torch.from_numpy(prep.transform(train_df)), torch.from_numpy(prep.transform(valid_df))
    y_train = np.log(train_df["Sales"].to_numpy(np.float32))
    y_valid = torch.from_numpy(np.log(valid_df["Sales"].to_numpy(np.float32)))
    y_range = (0.0, float(cfg.y_range_factor * y_train.max()))
    members, history = [], []
    for k in range(cfg.ensemble):
        if cfg.ensemble > 1:
            print(f"network {k + 1} of {cfg.ensemble} (seed {cfg.seed + k})", flush=True)
        seed_everything(cfg.seed + k)
        net = build_net(cfg, prep, y_range)

        def record(row: dict, k: int = k) -> None:  # epochs numbered on across the members
            row = {**row, "epoch": k * cfg.epochs + row["epoch"], "member": k + 1}
            history.append(row)
            if on_epoch:
                on_epoch(row)

        fit(
            net,
            Batches(x_train, torch.from_numpy(y_train), batch_size=cfg.batch_size, shuffle=True,
                    seed=cfg.seed + k),
            Batches(x_valid, y_valid, batch_size=EVAL_BATCH, shuffle=False),
            nn.MSELoss(),
            epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay, device=device,
            betas=tuple(cfg.betas), sgdr_after=cfg.sgdr_after,
            metrics={"valid_rmspe": lambda y, p: rmspe(np.exp(y), np.exp(p))},
            on_epoch=record, on_step=on_step, bf16=wants_bf16(cfg.precision, device),
        )
        members.append(net.cpu())
    return Trained(SalesNetwork(Ensemble(members), cfg, prep), history)


def load(path: Path) -> SalesNetwork:
    if not path.is_file():
        raise EmbedlabError(f"no trained model at {path}; run `dvc repro rossmann_train` first")
    saved = torch.load(path, weights_only=True)
    cfg = build(TrainConfig, with_legacy_defaults(saved["config"], "rossmann.train"), f"{path}'s config")
    prep = preprocess.Preprocessor(**saved["preprocessor"])
    model = build_model(cfg, prep, tuple(saved["y_range"]))
    model.load_state_dict(saved["state_dict"])
    return SalesNetwork(model.eval(), cfg, prep)
