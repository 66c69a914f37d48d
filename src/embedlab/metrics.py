"""Scores shared by the tasks, computed with scikit-learn."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import mean_absolute_error, mean_squared_error, root_mean_squared_error


def regression(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {"rmse": float(root_mean_squared_error(y, pred)), "mse": float(mean_squared_error(y, pred)),
            "mae": float(mean_absolute_error(y, pred))}


def rmspe(y: np.ndarray, pred: np.ndarray) -> float:
    """Root mean squared percentage error, Kaggle's Rossmann rule: days with zero sales are ignored."""
    y, pred = np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    keep = y != 0
    return float(np.sqrt(np.mean(((y[keep] - pred[keep]) / y[keep]) ** 2)))
