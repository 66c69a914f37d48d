"""Validation-set construction for ratings.

Policy for ids seen only in validation (a movie rated once, say): a factor model has learned nothing
about them, so their error measures the cold-start fallback, not the model.
- `to_train` (default): such ratings move to the training set, so validation scores only pairs
  whose user and movie the model has seen, and no rating is thrown away.
- `keep`: they stay in validation; the model maps unseen ids to a reserved index whose factors and
  bias are zero, so it predicts from what it does know.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


def random_split(ratings: pd.DataFrame, valid_frac: float, seed: int) -> np.ndarray:
    """Boolean mask of validation rows: a uniformly random share, as the lesson did."""
    _, valid_idx = train_test_split(np.arange(len(ratings)), test_size=valid_frac, random_state=seed)
    mask = np.zeros(len(ratings), dtype=bool)
    mask[valid_idx] = True
    return mask


def temporal_split(ratings: pd.DataFrame, valid_frac: float) -> np.ndarray:
    """Boolean mask of each user's latest ratings (rounded down, at least one kept for training)."""
    order = ratings.sort_values(["user", "timestamp", "item"]).index
    ranked = ratings.loc[order]
    from_end = ranked.groupby("user").cumcount(ascending=False).to_numpy()
    n_user = ranked.groupby("user")["user"].transform("size").to_numpy()
    n_valid = np.minimum(np.floor(n_user * valid_frac), n_user - 1)
    mask = np.zeros(len(ratings), dtype=bool)
    mask[ratings.index.get_indexer(order)] = from_end < n_valid
    return mask


def unseen_in_train(train: pd.DataFrame, valid: pd.DataFrame) -> np.ndarray:
    """Validation rows whose user or movie has no training rating."""
    return ~(valid["user"].isin(train["user"]) & valid["item"].isin(train["item"])).to_numpy()


def split_ratings(ratings: pd.DataFrame, method: str, valid_frac: float, seed: int,
                  unseen: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    mask = random_split(ratings, valid_frac, seed) if method == "random" else \
        temporal_split(ratings, valid_frac)
    train, valid = ratings[~mask], ratings[mask]
    if unseen == "to_train":
        # one pass suffices: moved rows only add ids, and the rows left already had theirs
        cold = unseen_in_train(train, valid)
        train, valid = pd.concat([train, valid[cold]]), valid[~cold]
    return train.sort_index(), valid.sort_index()
