"""The Rossmann pipeline's files and how to read them, for every caller: the stages,
`embedlab-reproduce` and the benchmarks (dvc.yaml names the same files). Training is
`learner.train(cfg, split.train, split.valid, ...)`, which returns a named result; it is kept out of
here so that the data and baseline stages, which import this module, do not depend on the network's
code (an edit to it re-runs the trainings, not a five-minute gradient-boosting fit)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from embedlab.atomic import atomic_path
from embedlab.datasets import Dataset
from embedlab.errors import require
from embedlab.rossmann.split import apply_split

RAW = Path("data/raw/rossmann")
PAIR = ("train.parquet", "test.parquet")  # the files of a folder holding train.csv's rows and test.csv's
JOINED = Path("data/rossmann/joined")
FEATURES = Path("data/rossmann/features")
TRAIN_FEATURES, TEST_FEATURES = (FEATURES / name for name in PAIR)
SPLIT = Path("data/rossmann/split.parquet")
MODEL = Path("data/rossmann/model.pt")
SERVED = MODEL  # the model whose MLflow run serves the task
HISTORY = Path("eval/rossmann/history.csv")
COST = Path("eval/rossmann/cost.json")  # wall time and machine, outside the metrics that reproduce
METRICS = Path("eval/rossmann/metrics.json")
PLOTS = Path("eval/rossmann/plots")
LEARNING_CURVES = PLOTS / "learning_curves.png"
STORE_EMBEDDING = PLOTS / "embedding_store.png"
PREDICTIONS = Path("data/rossmann/valid_predictions.parquet")
BASELINES = Path("eval/rossmann/baselines.json")
SUBMISSION = Path("data/rossmann/submission.csv")
DROPOUT = Path("eval/rossmann/dropout")


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame  # every training row, closed days included
    valid: pd.DataFrame

    @property
    def valid_sales(self) -> pd.DataFrame:
        """The validation rows Kaggle's RMSPE scores: days with sales."""
        return self.valid[self.valid["Sales"] > 0]


def read(path: Path, stage: str, **kwargs) -> pd.DataFrame:
    """The table at `path`, which `stage` writes."""
    return pd.read_parquet(require(path, stage), **kwargs)


def read_pair(folder: Path, stage: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read(folder / PAIR[0], stage), read(folder / PAIR[1], stage)


def write_pair(folder: Path, train: pd.DataFrame, test: pd.DataFrame) -> None:
    """The two tables into `folder`, both or neither."""
    with atomic_path(folder, is_dir=True) as tmp:
        train.to_parquet(tmp / PAIR[0])
        test.to_parquet(tmp / PAIR[1])
    print(f"{folder}: train {train.shape}, test {test.shape}")


def read_split() -> Split:
    return Split(*apply_split(read(TRAIN_FEATURES, "rossmann_features"), read(SPLIT, "rossmann_split")))


def datasets(split: Split) -> list[Dataset]:
    return [Dataset("rossmann-train", split.train, TRAIN_FEATURES, "training", "Sales"),
            Dataset("rossmann-valid", split.valid, TRAIN_FEATURES, "validation", "Sales")]
