"""Baselines scored on the same validation rows as the network."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from embedlab.rossmann.preprocess import Preprocessor


def store_weekday_median(train: pd.DataFrame, valid: pd.DataFrame) -> np.ndarray:
    """The median sales of the same store on the same weekday (open days), else of the store."""
    open_days = train[train["Sales"] > 0]
    by_day = open_days.groupby(["Store", "DayOfWeek"], observed=True)["Sales"].median()
    by_store = open_days.groupby("Store", observed=True)["Sales"].median()
    keys = pd.MultiIndex.from_frame(valid[["Store", "DayOfWeek"]])
    pred = pd.Series(by_day.reindex(keys).to_numpy(), index=valid.index)
    pred = pred.fillna(valid["Store"].map(by_store)).fillna(open_days["Sales"].median())
    return pred.to_numpy(np.float64)


def gradient_boosting(prep: Preprocessor, train: pd.DataFrame, valid: pd.DataFrame, max_iter: int,
                      seed: int) -> np.ndarray:
    """HistGradientBoostingRegressor on the network's own inputs, on log sales of open days.
    Categories with more values than its 255 bins (Store) enter as ordered codes."""
    categorical = [n + 1 <= 255 for n in prep.cardinalities] + [False] * prep.n_cont
    model = HistGradientBoostingRegressor(max_iter=max_iter, categorical_features=categorical,
                                          early_stopping=False, random_state=seed)
    model.fit(prep.transform(train), np.log(train["Sales"].to_numpy(np.float64)))
    return np.exp(model.predict(prep.transform(valid)))
