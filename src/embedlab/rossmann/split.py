"""Validation-set construction for sales, which are a time series: validation should be a later
period than training, as the test set is (2015-08-01..2015-09-17, right after the training data).

- window: a fixed calendar window, by default the test period one year earlier (the 2017 lesson).
- recent: the last days of the training data, as many rows as test.csv has (later courses).
- random: a random share of rows; it leaks the future into training and flatters the score, and is
  kept only to show that (its runs are tagged `split.misleading`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from embedlab.errors import EmbedlabError


def window_mask(dates: pd.Series, start: str, end: str) -> np.ndarray:
    mask = ((dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))).to_numpy()
    if not mask.any():
        raise EmbedlabError(f"no training rows between {start} and {end} "
                            f"(data spans {dates.min():%Y-%m-%d}..{dates.max():%Y-%m-%d})")
    return mask


def recent_mask(dates: pd.Series, n_rows: int) -> np.ndarray:
    """The latest whole days holding at least n_rows rows."""
    per_day = dates.value_counts().sort_index(ascending=False).cumsum()
    first_day = per_day.index[min(int(np.searchsorted(per_day.to_numpy(), n_rows)), len(per_day) - 1)]
    return (dates >= first_day).to_numpy()


def random_mask(n: int, valid_frac: float, seed: int) -> np.ndarray:
    _, valid = train_test_split(np.arange(n), test_size=valid_frac, random_state=seed)
    mask = np.zeros(n, dtype=bool)
    mask[valid] = True
    return mask


def validation_mask(dates: pd.Series, method: str, *, start: str, end: str, valid_frac: float,
                    seed: int, test_rows: int) -> np.ndarray:
    if method == "window":
        return window_mask(dates, start, end)
    if method == "recent":
        return recent_mask(dates, test_rows)
    if method == "random":
        return random_mask(len(dates), valid_frac, seed)
    raise EmbedlabError(f"unknown rossmann.split.method {method!r}; expected 'window', 'recent' or 'random'")


def apply_split(features: pd.DataFrame, split: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training rows, validation rows) of the feature table, as the saved split file says."""
    rows = features.merge(split, on=["Store", "Date"], how="left", validate="1:1")
    if rows["valid"].isna().any():
        raise EmbedlabError("the split file does not cover every training row; run `dvc repro rossmann_split`")
    valid = rows.pop("valid").astype(bool).to_numpy()
    return rows[~valid], rows[valid]
