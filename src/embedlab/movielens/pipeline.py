"""The MovieLens pipeline's files and how to read them, for every caller: the stages,
`embedlab-reproduce` and the benchmarks (dvc.yaml names the same files). Training is
`learner.train(cfg, split.train, split.valid, ...)`, which returns a named result; it is kept out of
here so that the data and baseline stages, which import this module, do not depend on the network's
code (an edit to it re-runs the trainings, not them)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from embedlab.datasets import Dataset
from embedlab.errors import require

RAW = Path("data/raw/movielens")
PREPARED = Path("data/movielens/prepared")
RATINGS = PREPARED / "ratings.parquet"
MOVIES = PREPARED / "movies.parquet"
SPLIT = Path("data/movielens/split")
TRAIN = SPLIT / "train.parquet"
VALID = SPLIT / "valid.parquet"
SPLIT_SUMMARY = SPLIT / "summary.json"
MODEL = Path("data/movielens/model.pt")
SERVED = MODEL  # the model whose MLflow run serves the task
HISTORY = Path("eval/movielens/history.csv")
COST = Path("eval/movielens/cost.json")  # wall time and machine, outside the metrics that reproduce
METRICS = Path("eval/movielens/metrics.json")
PLOTS = Path("eval/movielens/plots")
LEARNING_CURVES = PLOTS / "learning_curves.png"
PREDICTIONS = Path("data/movielens/predictions.parquet")
BASELINES = Path("eval/movielens/baselines.json")
INTERPRET = Path("eval/movielens/interpret")
DROPOUT = Path("eval/movielens/dropout")
FOLDS_METRICS = Path("eval/movielens/folds.json")  # folds/dvc.yaml, on demand: ml-100k's u1..u5
FOLDS_TABLE = Path("eval/movielens/folds.md")


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame


def read(path: Path, stage: str) -> pd.DataFrame:
    """The table at `path`, which `stage` writes."""
    return pd.read_parquet(require(path, stage))


def read_split() -> Split:
    return Split(read(TRAIN, "movielens_split"), read(VALID, "movielens_split"))


def datasets(split: Split) -> list[Dataset]:
    return [Dataset("movielens-train", split.train, TRAIN, "training", "rating"),
            Dataset("movielens-valid", split.valid, VALID, "validation", "rating")]
