"""metrics.regression against hand-computed numbers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from embedlab.metrics import regression


def test_regression_hand_computed():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([1.0, 3.0, 2.0, 6.0])  # errors 0, 1, -1, 2
    got = regression(y, pred)
    assert got["mse"] == pytest.approx(1.5)  # (0 + 1 + 1 + 4) / 4
    assert got["rmse"] == pytest.approx(math.sqrt(1.5))
    assert got["mae"] == pytest.approx(1.0)  # (0 + 1 + 1 + 2) / 4
    assert set(got) == {"rmse", "mse", "mae"}
    assert all(type(v) is float for v in got.values())


def test_regression_perfect_and_constant_offset():
    y = np.array([0.5, 5.0, 3.5], dtype=np.float32)
    assert regression(y, y) == {"rmse": 0.0, "mse": 0.0, "mae": 0.0}
    got = regression(y, y + 0.5)
    assert got["rmse"] == pytest.approx(0.5)
    assert got["mse"] == pytest.approx(0.25)
    assert got["mae"] == pytest.approx(0.5)
