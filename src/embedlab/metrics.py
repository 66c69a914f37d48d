"""Scores shared by the tasks, computed with scikit-learn."""
from __future__ import annotations

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import mean_absolute_error, mean_squared_error, root_mean_squared_error


def regression(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {"rmse": float(root_mean_squared_error(y, pred)), "mse": float(mean_squared_error(y, pred)),
            "mae": float(mean_absolute_error(y, pred))}


def rmspe(y: np.ndarray, pred: np.ndarray) -> float:
    """Root mean squared percentage error, Kaggle's Rossmann rule: days with zero sales are ignored."""
    y, pred = np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    keep = y != 0
    return float(np.sqrt(np.mean(((y[keep] - pred[keep]) / y[keep]) ** 2)))


def rmspe_batch_mean(y: np.ndarray, pred: np.ndarray, batch: int = 256) -> float:
    """RMSPE as the 2017 notebook printed it (fastai 0.7 averaged the metric over validation
    batches of 256 rows, weighted by size): only for comparing with its 0.0985. A mean of square
    roots is below the root of the mean, so this reads about 2% lower than `rmspe`."""
    y, pred = np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    starts = range(0, len(y), batch)
    return float(np.average([rmspe(y[i:i + batch], pred[i:i + batch]) for i in starts],
                            weights=[len(y[i:i + batch]) for i in starts]))


def mcnemar(y: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray) -> dict[str, float]:
    """McNemar's exact test of two classifiers on the same examples: of the examples exactly one of
    them gets right, a's share (`a_only` / (`a_only` + `b_only`)) against 1/2; two-sided p-value."""
    right_a, right_b = np.asarray(pred_a) == np.asarray(y), np.asarray(pred_b) == np.asarray(y)
    a_only, b_only = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    p = binomtest(a_only, a_only + b_only, 0.5).pvalue if a_only + b_only else 1.0
    return {"a_only": a_only, "b_only": b_only, "p_value": float(p)}
