"""rossmann.baselines: the store-weekday median by hand, and gradient boosting on a synthetic frame."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.metrics import rmspe
from embedlab.rossmann import baselines, preprocess
from embedlab.rossmann.config import BaselinesConfig
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS


def test_store_weekday_median_by_hand():
    train = pd.DataFrame({
        "Store":     [1,   1,   1,   1, 1,   2,  2,  2,   2,   2],
        "DayOfWeek": [1,   1,   1,   1, 2,   1,  1,  1,   2,   3],
        "Sales":     [100, 200, 600, 0, 300, 50, 70, 120, 200, 0],
    })
    # open days only:
    #   store 1, Monday: 100, 200, 600 -> 200 (with the zero it would be 150)
    #   store 1, Tuesday: 300;  store 2, Monday: 50, 70, 120 -> 70;  store 2, Wednesday: none (only a zero)
    #   store 1: 100, 200, 600, 300 -> (200 + 300) / 2 = 250;  store 2: 50, 70, 120, 200 -> (70 + 120) / 2 = 95
    #   everyone: 50 70 100 120 200 200 300 600 -> (120 + 200) / 2 = 160
    valid = pd.DataFrame({
        "Store":     [1,   1,   1,   2,  2,  3,   3],
        "DayOfWeek": [1,   2,   5,   3,  1,  1,   2],
        "Sales":     [1,   1,   1,   1,  1,  1,   1],
    }, index=[70, 10, 60, 20, 50, 30, 40])
    got = baselines.store_weekday_median(train, valid)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    np.testing.assert_allclose(got, [200, 300, 250, 95, 70, 160, 160])


def test_store_weekday_median_ignores_the_validation_sales():
    train = pd.DataFrame({"Store": [1, 1], "DayOfWeek": [4, 4], "Sales": [10, 30]})
    valid = pd.DataFrame({"Store": [1], "DayOfWeek": [4], "Sales": [1_000_000]})
    assert baselines.store_weekday_median(train, valid).tolist() == [20.0]


@pytest.fixture(scope="module")
def frames(make_features):
    frame = make_features(n=2000, seed=2)
    frame = frame[frame["Sales"] > 0]
    valid_mask = np.arange(len(frame)) % 4 == 0
    return frame[~valid_mask], frame[valid_mask]


def test_gradient_boosting_on_synthetic_frame(frames):
    train, valid = frames
    prep = preprocess.fit(train, CATEGORICAL, CONTINUOUS)
    assert max(prep.cardinalities) > 254  # Store takes the mean-log-sales path
    cfg = BaselinesConfig(gbm_max_iter=20, gbm_max_leaf_nodes=15, gbm_learning_rate=0.1, gbm_min_samples_leaf=20,
                          seed=0)
    pred = baselines.gradient_boosting(prep, train, valid, cfg)
    assert pred.shape == (len(valid),)
    assert np.isfinite(pred).all() and (pred > 0).all()
    # it learns something: better than predicting the training median everywhere
    y = valid["Sales"].to_numpy(np.float64)
    assert rmspe(y, pred) < rmspe(y, np.full(len(y), train["Sales"].median()))
    again = baselines.gradient_boosting(prep, train, valid, cfg)
    np.testing.assert_array_equal(pred, again)


def test_a_wide_categorical_enters_as_its_mean_log_sales(frames):
    """Store's 300 values exceed the 255 bins: the trees see each store's mean training log sales,
    so two stores with the same mean are the same input, and the validation sales never enter."""
    train, valid = frames
    prep = preprocess.fit(train, CATEGORICAL, CONTINUOUS)
    cfg = BaselinesConfig(gbm_max_iter=5, gbm_max_leaf_nodes=7, gbm_learning_rate=0.1, gbm_min_samples_leaf=5,
                          seed=0)
    pred = baselines.gradient_boosting(prep, train, valid, cfg)
    np.testing.assert_array_equal(pred, baselines.gradient_boosting(prep, train, valid.assign(Sales=1), cfg))
    # renumbering the stores changes no mean, so no prediction
    renumbered = {s: 10_000 - s for s in train["Store"].unique()}
    moved = [frame.assign(Store=frame["Store"].map(renumbered).fillna(frame["Store"]).astype(np.int32))
             for frame in (train, valid)]
    prep2 = preprocess.fit(moved[0], CATEGORICAL, CONTINUOUS)
    np.testing.assert_allclose(baselines.gradient_boosting(prep2, *moved, cfg), pred, rtol=1e-9)
