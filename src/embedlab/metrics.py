"""Scores shared by the tasks, computed with scikit-learn."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import mean_absolute_error, mean_squared_error, root_mean_squared_error


def regression(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {"rmse": float(root_mean_squared_error(y, pred)), "mse": float(mean_squared_error(y, pred)),
            "mae": float(mean_absolute_error(y, pred))}
