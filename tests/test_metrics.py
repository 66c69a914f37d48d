"""metrics.regression against hand-computed numbers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from embedlab.metrics import mcnemar, regression


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


def test_rmspe_hand_computed():
    from embedlab.metrics import rmspe

    y = np.array([100.0, 200.0, 50.0])
    pred = np.array([110.0, 150.0, 50.0])  # percentage errors -0.1, 0.25, 0
    assert rmspe(y, pred) == pytest.approx(math.sqrt((0.01 + 0.0625 + 0.0) / 3))
    assert rmspe([4.0], [5.0]) == pytest.approx(0.25)
    assert type(rmspe(y, pred)) is float


def test_rmspe_divides_by_the_actual_not_the_prediction():
    from embedlab.metrics import rmspe

    assert rmspe([100.0], [150.0]) == pytest.approx(0.5)
    assert rmspe([150.0], [100.0]) == pytest.approx(1 / 3)


def test_rmspe_ignores_zero_sales_days():
    from embedlab.metrics import rmspe

    y = np.array([0.0, 100.0, 0.0, 200.0], dtype=np.float32)
    pred = np.array([5000.0, 110.0, 0.0, 150.0], dtype=np.float32)
    assert rmspe(y, pred) == pytest.approx(math.sqrt((0.01 + 0.0625) / 2))
    assert rmspe(y, np.where(y == 0, 123.0, y)) == 0.0


def test_rmspe_batch_mean_averages_per_batch_errors_weighted_by_batch_size():
    from embedlab.metrics import rmspe, rmspe_batch_mean

    y = [100.0, 100.0, 100.0]
    pred = [110.0, 100.0, 130.0]  # batches of 2: [0.1, 0] then [0.3]
    expected = (2 * math.sqrt((0.01 + 0.0) / 2) + 1 * 0.3) / 3
    assert rmspe_batch_mean(y, pred, batch=2) == pytest.approx(expected)
    assert rmspe_batch_mean(y, pred, batch=2) < rmspe(y, pred)  # a mean of roots is below the root of the mean
    assert rmspe_batch_mean(y, pred, batch=3) == pytest.approx(rmspe(y, pred))


def test_mcnemar_counts_the_examples_only_one_model_gets_right():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])
    a = np.array([1, 1, 1, 0, 0, 0, 1, 0, 1, 0])  # wrong on 3, 6
    b = np.array([0, 0, 1, 1, 0, 1, 1, 0, 1, 0])  # wrong on 0, 1, 5, 6
    test = mcnemar(y, a, b)
    assert (test["a_only"], test["b_only"]) == (3, 1)  # a alone right on 0, 1, 5; b alone on 3
    assert test["p_value"] == pytest.approx(2 * (1 + 4) / 16)  # exact two-sided: P(X <= 1 | 4, 1/2) * 2
    assert mcnemar(y, a, a) == {"a_only": 0, "b_only": 0, "p_value": 1.0}
    many = mcnemar(np.ones(60), np.r_[np.ones(50), np.zeros(10)], np.r_[np.zeros(30), np.ones(30)])
    assert many["a_only"] == 30 and many["b_only"] == 10 and many["p_value"] < 0.01
