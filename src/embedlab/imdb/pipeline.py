"""The IMDB pipeline's files and how to read them, for every caller (dvc.yaml names the same
files). Training is `learner.train_lm` and `learner.train_classifier`, which return named results;
they are kept out of here so that tokenizing, the vocabulary and the baselines, which import this
module, do not depend on the networks' code."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.datasets import Dataset
from embedlab.errors import require

RAW = Path("data/raw/imdb")
ARCHIVE = RAW / "aclImdb_v1.tar.gz"  # read in place: no 100,000 files for DVC to hash
TOKENS = Path("data/imdb/tokens.parquet")
PREPARED = Path("data/imdb/prepared")
VOCAB = PREPARED / "vocab.json"
REVIEWS = PREPARED / "reviews.parquet"  # every review's roles (lm_train, ..., test), tokens aside
LM_ROLES = ("lm_train", "lm_valid")  # one token stream each
LABELLED_ROLES = ("clas_train", "clas_valid", "test")  # reviews with their labels
LM = Path("data/imdb/lm.pt")
LM_RUN = "language model"  # the MLflow run name of imdb_lm, by which embedlab-reproduce tells it apart
LM_HISTORY = Path("eval/imdb/lm_history.csv")
LM_COST = Path("eval/imdb/lm_cost.json")  # wall time and machine, outside the metrics that reproduce
LM_SAMPLES = Path("eval/imdb/lm_samples.md")
CLASSIFIER = Path("data/imdb/classifier.pt")
SERVED = CLASSIFIER  # the model whose MLflow run serves the task
CLASSIFIER_HISTORY = Path("eval/imdb/classifier_history.csv")
CLASSIFIER_COST = Path("eval/imdb/classifier_cost.json")
VALID_METRICS = Path("eval/imdb/valid_metrics.json")  # the classifier stage's: trials stop there
VALID_PREDICTIONS = Path("data/imdb/valid_predictions.csv")  # P(positive) per model: how to combine them
NBSVM = Path("data/imdb/nbsvm.joblib")  # fitted by imdb_baselines; half of the published model
METRICS = Path("eval/imdb/metrics.json")
PLOTS = Path("eval/imdb/plots")
LM_CURVES = PLOTS / "lm_learning_curves.png"
CLASSIFIER_CURVES = PLOTS / "classifier_learning_curves.png"
TEST_PREDICTIONS = Path("data/imdb/test_predictions.csv")
WRONG = Path("data/imdb/most_confidently_wrong.csv")
BASELINES = Path("eval/imdb/baselines.json")


def lm_text_path(role: str) -> Path:
    return PREPARED / f"{role}.npy"


def labelled_path(role: str) -> Path:
    return PREPARED / f"{role}.npz"


@dataclass(frozen=True)
class Labelled:
    """Numericalized reviews: review k is ids[offsets[k]:offsets[k + 1]]; rows index REVIEWS."""
    ids: np.ndarray
    offsets: np.ndarray
    labels: np.ndarray
    rows: np.ndarray

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.ids, self.offsets, self.labels


def read_vocab() -> list[str]:
    return json.loads(require(VOCAB, "imdb_vocab").read_text())


def read_tokens(**kwargs) -> pd.DataFrame:
    """Every review's split, label, rating, id and space-joined tokens."""
    return pd.read_parquet(require(TOKENS, "imdb_tokenize"), **kwargs)


def read_roles() -> pd.DataFrame:
    """Every review's split, label, rating, id and roles (lm_train, ..., test: booleans)."""
    return pd.read_parquet(require(REVIEWS, "imdb_vocab"))


def read_reviews() -> pd.DataFrame:
    """read_roles() with each review's tokens."""
    return read_roles().join(read_tokens(columns=["tokens"]))


def tokens_of(rows: np.ndarray) -> pd.Series:
    """The space-joined tokens of these reviews (Labelled.rows), in that order."""
    return read_tokens(columns=["tokens"])["tokens"].loc[rows]


def read_lm_text(role: str) -> np.ndarray:
    return np.load(require(lm_text_path(role), "imdb_vocab"))


def read_labelled(role: str) -> Labelled:
    data = np.load(require(labelled_path(role), "imdb_vocab"))
    return Labelled(data["ids"], data["offsets"], data["labels"], data["row"])


def lm_datasets(train_ids: np.ndarray, valid_ids: np.ndarray) -> list[Dataset]:
    return [Dataset("imdb-lm-train", train_ids, lm_text_path("lm_train"), "training"),
            Dataset("imdb-lm-valid", valid_ids, lm_text_path("lm_valid"), "validation")]


def classifier_datasets(train: Labelled, valid: Labelled) -> list[Dataset]:
    return [Dataset(f"imdb-{name}", {"ids": data.ids, "offsets": data.offsets, "labels": data.labels},
                    labelled_path(role), context)
            for name, role, data, context in (("classifier-train", "clas_train", train, "training"),
                                              ("classifier-valid", "clas_valid", valid, "validation"))]
