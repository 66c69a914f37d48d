"""NB-SVM (Wang & Manning 2012), the classic IMDB baseline: logistic regression on binarised n-gram
features, each scaled by its naive-Bayes log-count ratio (how much likelier it is in a positive
review than in a negative one). fast.ai's machine-learning course uses uni- to trigrams."""
from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from embedlab.atomic import atomic_path
from embedlab.errors import EmbedlabError


class LogCountRatio(TransformerMixin, BaseEstimator):
    """Scales each feature column by log((p / |p|) / (q / |q|)), p and q its smoothed counts in the
    positive and the negative training rows (`alpha` added to each count)."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def fit(self, x: sp.spmatrix, y: np.ndarray):
        y = np.asarray(y)
        p = self.alpha + np.asarray(x[y == 1].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(x[y == 0].sum(axis=0)).ravel()
        self.ratio_ = np.log((p / p.sum()) / (q / q.sum()))
        return self

    def transform(self, x: sp.spmatrix) -> sp.csr_matrix:
        return sp.csr_matrix(x.multiply(self.ratio_))


def vectorizer(ngrams: int, max_features: int | None) -> CountVectorizer:
    """Binarised counts of our own tokens (space-joined, lower-cased, with marker tokens), so the
    baseline sees the words the LSTM sees."""
    return CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, binary=True,
                           ngram_range=(1, ngrams), max_features=max_features)


def classifier(c: float) -> Pipeline:
    """What follows the vectorizer: the scaling, then logistic regression (liblinear's dual form,
    as the course's, fast where features outnumber reviews)."""
    return Pipeline([("ratio", LogCountRatio()),
                     ("logreg", LogisticRegression(C=c, dual=True, solver="liblinear", max_iter=1000))])


def nbsvm(ngrams: int, c: float, max_features: int | None) -> Pipeline:
    """The whole model, fitted on token strings: `.fit(tokens, labels)`, `.predict_proba(tokens)`."""
    return Pipeline([("counts", vectorizer(ngrams, max_features)), ("model", classifier(c))])


def save(model: Pipeline, path: Path) -> None:
    # joblib, scikit-learn's documented persistence; read back only from this pipeline's own outputs
    with atomic_path(path) as tmp:
        joblib.dump(model, tmp)


def load(path: Path) -> Pipeline:
    if not Path(path).is_file():
        raise EmbedlabError(f"no fitted NB-SVM at {path}; run `dvc repro imdb_baselines` first")
    return joblib.load(path)


def proba(model: Pipeline, tokens) -> np.ndarray:
    """P(positive) per review of space-joined tokens."""
    return model.predict_proba(list(tokens))[:, 1]
