"""Validation-set construction for ratings.

Policy for ids seen only in validation (a movie rated once, say): a factor model has learned nothing
about them, so their error measures the cold-start fallback, not the model.
- `to_train` (default): such ratings move to the training set, so validation scores only pairs
  whose user and movie the model has seen, and no rating is thrown away.
- `keep`: they stay in validation; the model maps unseen ids to a reserved index whose factors and
  bias are zero, so it predicts from what it does know.
ml-100k's official folds (`u1`..`u5`) take the fold's shipped test set as the validation set and
its base as training, exactly: the policy does not apply, unseen ids stay (as with `keep`), so
that the figures compare with those published on the same folds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from embedlab.errors import EmbedlabError
from embedlab.movielens.data import FOLD, FOLDS


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


def fold_split(ratings: pd.DataFrame, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ml-100k's fold u{k}: (u{k}.base, u{k}.test) as shipped, without the fold column."""
    if FOLD not in ratings:
        raise EmbedlabError(f"split {name} is one of ml-100k's official folds, and these ratings have none "
                            "(ml-latest-small ships no folds): use random or temporal, or set "
                            "download.movielens.url to ml-100k.zip")
    mask = (ratings[FOLD] == FOLDS.index(name) + 1).to_numpy()
    ratings = ratings.drop(columns=FOLD)
    return ratings[~mask], ratings[mask]


def split_ratings(ratings: pd.DataFrame, method: str, valid_frac: float, seed: int,
                  unseen: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if method in FOLDS:
        return fold_split(ratings, method)
    mask = random_split(ratings, valid_frac, seed) if method == "random" else \
        temporal_split(ratings, valid_frac)
    ratings = ratings.drop(columns=FOLD, errors="ignore")  # only the official folds use it
    train, valid = ratings[~mask], ratings[mask]
    if unseen == "to_train":
        # one pass suffices: moved rows only add ids, and the rows left already had theirs
        cold = unseen_in_train(train, valid)
        train, valid = pd.concat([train, valid[cold]]), valid[~cold]
    return train.sort_index(), valid.sort_index()
