"""Baselines scored on the same split as the model, so its RMSE has something to be read against."""
from __future__ import annotations

import numpy as np
import pandas as pd


def global_mean(train: pd.DataFrame, valid: pd.DataFrame) -> np.ndarray:
    return np.full(len(valid), train["rating"].mean())


def biases(train: pd.DataFrame, valid: pd.DataFrame, user_reg: float, item_reg: float,
           iterations: int = 10) -> np.ndarray:
    """mean + user bias + movie bias, each bias a shrunk mean residual (Koren's baseline predictor),
    fitted by alternating the two; an id unseen in training has bias 0."""
    mu = train["rating"].mean()
    resid = train["rating"] - mu
    b_user = pd.Series(0.0, index=pd.Index(train["user"].unique()))
    for _ in range(iterations):
        r = resid - train["user"].map(b_user)
        g = r.groupby(train["item"])
        b_item = g.sum() / (g.count() + item_reg)
        r = resid - train["item"].map(b_item)
        g = r.groupby(train["user"])
        b_user = g.sum() / (g.count() + user_reg)
    return (mu + valid["user"].map(b_user).fillna(0.0) + valid["item"].map(b_item).fillna(0.0)).to_numpy()
