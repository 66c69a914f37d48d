"""movielens.baselines against hand-computed predictions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.movielens.baselines import biases, global_mean


def frame(rows):
    return pd.DataFrame(rows, columns=["user", "item", "rating"])


def test_global_mean():
    train = frame([(1, 1, 1.0), (1, 2, 2.0), (2, 1, 3.0), (3, 3, 4.0)])
    valid = frame([(9, 9, 5.0), (1, 1, 0.5), (2, 2, 1.0)])
    got = global_mean(train, valid)
    assert got.shape == (3,)
    assert got.tolist() == [2.5, 2.5, 2.5]


def test_biases_no_regularisation_one_user():
    # mu = 3; residuals +1 (item 10), -1 (item 20); item biases take them all, user bias 0
    train = frame([(1, 10, 4.0), (1, 20, 2.0)])
    valid = frame([(1, 10, 0.0), (1, 30, 0.0), (2, 20, 0.0), (2, 30, 0.0)])
    got = biases(train, valid, user_reg=0.0, item_reg=0.0)
    np.testing.assert_allclose(got, [4.0, 3.0, 2.0, 3.0])


def test_biases_one_iteration_shrinkage():
    # mu = 3.5, residuals u1: +1.5 (a), -0.5 (b); u2: +0.5 (a), -1.5 (b)
    # item biases, reg 1: a = (1.5 + 0.5) / (2 + 1) = 2/3, b = (-0.5 - 1.5) / 3 = -2/3
    # user residuals after items: u1: 5/6, 1/6 -> 1 / 3;  u2: -1/6, -5/6 -> -1 / 3
    train = frame([(1, "a", 5.0), (1, "b", 3.0), (2, "a", 4.0), (2, "b", 2.0)])
    valid = frame([(1, "a", 0.0), (2, "b", 0.0), (1, "b", 0.0), (3, "a", 0.0), (2, "z", 0.0)])
    got = biases(train, valid, user_reg=1.0, item_reg=1.0, iterations=1)
    expected = [3.5 + 1 / 3 + 2 / 3, 3.5 - 1 / 3 - 2 / 3, 3.5 + 1 / 3 - 2 / 3, 3.5 + 2 / 3, 3.5 - 1 / 3]
    np.testing.assert_allclose(got, expected)


def test_biases_unequal_regularisation():
    # single rating each: mu = 3 from (1, a, 5) and (2, b, 1): residuals +2 and -2
    # item_reg 3: a = 2 / 4 = 0.5, b = -0.5; then users: u1 = (2 - 0.5) / (1 + 1) = 0.75, u2 = -0.75
    train = frame([(1, "a", 5.0), (2, "b", 1.0)])
    valid = frame([(1, "a", 0.0), (2, "b", 0.0)])
    got = biases(train, valid, user_reg=1.0, item_reg=3.0, iterations=1)
    np.testing.assert_allclose(got, [3 + 0.75 + 0.5, 3 - 0.75 - 0.5])


def test_biases_converge_to_alternating_fixed_point():
    # two iterations by hand, continuing the previous case: items see residual minus user bias
    # a = (2 - 0.75) / 4 = 0.3125; u1 = (2 - 0.3125) / 2 = 0.84375
    train = frame([(1, "a", 5.0), (2, "b", 1.0)])
    valid = frame([(1, "a", 0.0)])
    got = biases(train, valid, user_reg=1.0, item_reg=3.0, iterations=2)
    assert got[0] == pytest.approx(3 + 0.84375 + 0.3125)


def test_biases_unseen_everything_is_the_mean():
    train = frame([(1, 10, 4.0), (2, 20, 2.0), (2, 10, 3.0)])
    valid = frame([(7, 70, 0.0)])
    assert biases(train, valid, 10.0, 25.0).tolist() == [3.0]
