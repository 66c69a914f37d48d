"""Model inputs from feature frames, fitted on training rows alone and saved with the model.

Categorical values become codes 1..n in the order of the training values; 0 stands for missing or
unseen in training (its embedding is learned from the missing ones). Continuous values get the
training median where missing, a 0/1 was-missing input for each column that had gaps in training,
and standardisation with the training mean and deviation. The state is plain JSON-able lists and
numbers, so it travels inside the model file without pickle."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Preprocessor:
    categories: dict[str, list]
    median: dict[str, float]
    mean: dict[str, float]
    std: dict[str, float]
    na_flags: list[str]

    @property
    def cardinalities(self) -> list[int]:
        return [len(v) for v in self.categories.values()]

    @property
    def n_cont(self) -> int:
        return len(self.median) + len(self.na_flags)

    def input_names(self) -> list[str]:
        return [*self.categories, *self.median, *(f"{c}_na" for c in self.na_flags)]

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """(rows, categoricals + continuous) float32: the codes first, as the model expects."""
        codes = [pd.Index(cats).get_indexer(frame[c]).astype(np.float32) + 1
                 for c, cats in self.categories.items()]
        conts = []
        for c in self.median:
            x = frame[c].astype("float64").to_numpy(na_value=np.nan)
            conts.append((np.where(np.isnan(x), self.median[c], x) - self.mean[c]) / self.std[c])
        flags = [frame[c].isna().to_numpy(np.float32) for c in self.na_flags]
        return np.column_stack([*codes, *conts, *flags]).astype(np.float32)

    def to_dict(self) -> dict:
        return asdict(self)


def _plain(values) -> list:
    return [v.item() if hasattr(v, "item") else v for v in values]


def fit(train: pd.DataFrame, categorical: list[str], continuous: list[str]) -> Preprocessor:
    categories = {c: _plain(pd.Series(train[c].dropna().unique()).sort_values()) for c in categorical}
    median, mean, std = {}, {}, {}
    for c in continuous:
        x = train[c].astype("float64")
        median[c] = float(x.median())
        filled = x.fillna(median[c])
        mean[c], std[c] = float(filled.mean()), float(filled.std()) or 1.0
    na_flags = [c for c in continuous if train[c].isna().any()]
    return Preprocessor(categories, median, mean, std, na_flags)
