"""The learning-rate range test of a MovieLens model, from where `learner.train` starts it: the
same seed, id maps, initial weights, batches and weight decay."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from embedlab.lr_find import FinderConfig, RangeTest, range_test
from embedlab.movielens.config import TrainConfig
from embedlab.movielens.learner import check_range, pairs
from embedlab.movielens.models import build_model, make_vocab
from embedlab.training import Batches, seed_everything


def find_lr(cfg: TrainConfig, train_df: pd.DataFrame, finder: FinderConfig, device: torch.device) -> RangeTest:
    check_range(cfg, train_df["rating"])
    seed_everything(cfg.seed)
    users, items = make_vocab(train_df["user"].to_numpy()), make_vocab(train_df["item"].to_numpy())
    model = build_model(cfg, len(users), len(items))
    batches = Batches(pairs(train_df, users, items), torch.tensor(train_df["rating"].to_numpy(np.float32)),
                      batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    return range_test(model, batches, nn.MSELoss(), finder, device=device, weight_decay=cfg.weight_decay,
                      desc=f"lr finder ({cfg.model})")
