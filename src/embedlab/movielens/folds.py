"""ml-100k's five official folds: the model movielens.train describes, trained on each u{k}.base
and scored on its u{k}.test exactly as shipped, and the mean beside the published figures."""
from __future__ import annotations

from typing import Callable

import pandas as pd

from embedlab.movielens.data import FOLDS
from embedlab.movielens.split import fold_split

# ../shared/REFERENCE.md, section 3: the Surprise library on ml-100k, default settings. Its figures
# are means over five *random* folds, not over u1..u5, so they compare with our mean, roughly.
PUBLISHED = {"Surprise SVD": 0.934, "Surprise SVD++": 0.919, "Surprise kNN-baseline": 0.931,
             "Surprise baseline only": 0.944}
# (fold name, its training ratings, its test ratings) -> the test RMSE
TrainOne = Callable[[str, pd.DataFrame, pd.DataFrame], float]


def splits(ratings: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Every fold's (train, test), all made before any training so a release without folds fails
    at once."""
    return {name: fold_split(ratings, name) for name in FOLDS}


def summarize(rmse: dict[str, float], n_test: dict[str, int]) -> dict:
    """The metrics file: each fold's RMSE and test size, and the mean over the folds."""
    folds = {name: {"rmse": rmse[name], "n_test": n_test[name]} for name in rmse}
    return {**folds, "mean": {"rmse": sum(rmse.values()) / len(rmse)}}


def table(summary: dict, model: str) -> str:
    """A Markdown table: each fold, the mean, then the published figures."""
    rows = [f"| {model}, fold {name} ({values['n_test']:,} test ratings) | {values['rmse']:.4f} |"
            for name, values in summary.items() if name != "mean"]
    rows.append(f"| **{model}, mean of the {len(rows)} folds** | **{summary['mean']['rmse']:.4f}** |")
    rows += [f"| {name} (published, mean of 5 random folds) | {value:.3f} |" for name, value in PUBLISHED.items()]
    return "\n".join(["| ml-100k | test RMSE |", "|---|---|", *rows]) + "\n"


def run(ratings: pd.DataFrame, train_one: TrainOne) -> dict:
    """Train and score every fold; the summary `summarize` makes."""
    rmse, n_test = {}, {}
    for name, (train, test) in splits(ratings).items():
        rmse[name], n_test[name] = train_one(name, train, test), len(test)
    return summarize(rmse, n_test)
