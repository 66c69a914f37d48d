"""The learning-rate range test of the Rossmann network, from where `learner.train` starts the
ensemble's first member: the same rows, preprocessing, seed, initial weights, batches and Adam."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from embedlab.lr_find import FinderConfig, RangeTest, range_test
from embedlab.rossmann import preprocess
from embedlab.rossmann.config import TrainConfig
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS
from embedlab.rossmann.learner import build_net, training_rows
from embedlab.training import Batches, seed_everything, wants_bf16


def find_lr(cfg: TrainConfig, train_df: pd.DataFrame, finder: FinderConfig, device: torch.device) -> RangeTest:
    train_df = training_rows(train_df, cfg)
    prep = preprocess.fit(train_df, CATEGORICAL, CONTINUOUS)
    y = np.log(train_df["Sales"].to_numpy(np.float32))
    seed_everything(cfg.seed)
    net = build_net(cfg, prep, (0.0, float(cfg.y_range_factor * y.max())))
    batches = Batches(torch.from_numpy(prep.transform(train_df)), torch.from_numpy(y), batch_size=cfg.batch_size,
                      shuffle=True, seed=cfg.seed)
    return range_test(net, batches, nn.MSELoss(), finder, device=device, weight_decay=cfg.weight_decay,
                      betas=tuple(cfg.betas), bf16=wants_bf16(cfg.precision, device),
                      desc="lr finder (network)")
