"""rossmann.preprocess: categorical codes, median fill, was-missing flags and standardisation, all
fitted on training rows, checked against numbers worked out by hand."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from embedlab.rossmann import preprocess
from embedlab.rossmann.preprocess import Preprocessor

# x: training values 1, NaN, 3, 8 -> median of (1, 3, 8) = 3; filled 1, 3, 3, 8; mean 15 / 4 = 3.75;
#    deviations -2.75, -0.75, -0.75, 4.25 -> squares sum 26.75 -> sample std sqrt(26.75 / 3)
# y: 2, 4, 6, 8 -> median 5, mean 5, squares 9 + 1 + 1 + 9 = 20 -> std sqrt(20 / 3); no NaN, no flag
X_MEAN, X_STD = 3.75, math.sqrt(26.75 / 3)
Y_MEAN, Y_STD = 5.0, math.sqrt(20 / 3)


def train_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "color": ["red", "blue", None, "red"],
        "size": [3, 1, 2, 3],
        "x": [1.0, np.nan, 3.0, 8.0],
        "y": [2.0, 4.0, 6.0, 8.0],
    })


def valid_frame() -> pd.DataFrame:
    # 'green' and size 7 only here; wild x and y values that must not move the training statistics
    return pd.DataFrame({
        "color": ["green", None, "blue", "red"],
        "size": [7, 2, 1, 3],
        "x": [np.nan, 5.0, 1000.0, 3.0],
        "y": [np.nan, 10.0, -1000.0, 5.0],
    }, index=[10, 20, 30, 40])


@pytest.fixture
def prep() -> Preprocessor:
    return preprocess.fit(train_frame(), ["color", "size"], ["x", "y"])


def test_fit_state_by_hand(prep):
    assert prep.categories == {"color": ["blue", "red"], "size": [1, 2, 3]}
    assert prep.median == pytest.approx({"x": 3.0, "y": 5.0})
    assert prep.mean == pytest.approx({"x": X_MEAN, "y": Y_MEAN})
    assert prep.std == pytest.approx({"x": X_STD, "y": Y_STD})
    assert prep.na_flags == ["x"]
    assert prep.cardinalities == [2, 3]
    assert prep.n_cont == 3
    assert prep.input_names() == ["color", "size", "x", "y", "x_na"]


def test_fit_ignores_rows_it_is_not_given(prep):
    """Validation values never enter the fitted state: fitting on training rows alone gives the
    hand-computed state even though validation holds other categories and extreme values."""
    both = pd.concat([train_frame(), valid_frame()], ignore_index=True)
    assert preprocess.fit(both, ["color", "size"], ["x", "y"]) != prep  # a control: they would differ
    assert "green" not in prep.categories["color"] and 7 not in prep.categories["size"]
    assert prep.median["x"] == pytest.approx(3.0)
    assert prep.mean["y"] == pytest.approx(5.0)


def test_transform_by_hand(prep):
    got = prep.transform(valid_frame())
    assert got.dtype == np.float32
    assert got.shape == (4, 2 + 3)
    expected = np.array([
        # color: blue 1, red 2, unseen/missing 0; size: 1 -> 1, 2 -> 2, 3 -> 3, unseen 7 -> 0
        [0, 0, (3.0 - X_MEAN) / X_STD, (5.0 - Y_MEAN) / Y_STD, 1],    # NaN x and y: training medians
        [0, 2, (5.0 - X_MEAN) / X_STD, (10.0 - Y_MEAN) / Y_STD, 0],
        [1, 1, (1000.0 - X_MEAN) / X_STD, (-1000.0 - Y_MEAN) / Y_STD, 0],
        [2, 3, (3.0 - X_MEAN) / X_STD, (5.0 - Y_MEAN) / Y_STD, 0],
    ], dtype=np.float64)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_transform_training_rows_are_standardised(prep):
    got = prep.transform(train_frame())
    # filled training columns have mean 0 and sample std 1 after standardising
    assert got[:, 2].mean() == pytest.approx(0.0, abs=1e-6)
    assert got[:, 2].std(ddof=1) == pytest.approx(1.0, rel=1e-5)
    assert got[:, 4].tolist() == [0, 1, 0, 0]
    assert got[:, 0].tolist() == [2, 1, 0, 2]


def test_na_flag_only_for_columns_with_gaps_in_training(prep):
    # y has NaN in validation but not in training: filled, no flag column
    got = prep.transform(valid_frame())
    assert got.shape[1] == 5
    assert "y_na" not in prep.input_names()
    no_gaps = preprocess.fit(train_frame().assign(x=[1.0, 2.0, 3.0, 8.0]), ["color"], ["x", "y"])
    assert no_gaps.na_flags == [] and no_gaps.n_cont == 2
    assert no_gaps.transform(valid_frame()).shape == (4, 1 + 2)


def test_constant_column_is_not_divided_by_zero():
    prep = preprocess.fit(pd.DataFrame({"z": [4.0, 4.0, 4.0]}), [], ["z"])
    got = prep.transform(pd.DataFrame({"z": [4.0, 6.0, np.nan]}))
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got[:, 0], [0.0, 2.0, 0.0])


def test_to_dict_round_trip_through_json(prep):
    state = json.loads(json.dumps(prep.to_dict()))  # plain JSON, as the model file needs
    again = Preprocessor(**state)
    assert again == prep
    np.testing.assert_array_equal(again.transform(valid_frame()), prep.transform(valid_frame()))


def test_pandas_category_string_and_nullable_integer_columns():
    train = pd.DataFrame({
        # category dtype with a declared category ('b') no training row has, and one missing
        "cat": pd.Categorical(["c", "a", None, "c"], categories=["a", "b", "c", "d"]),
        "txt": pd.array(["y", "x", pd.NA, "y"], dtype="string"),
        "nint": pd.array([30, 10, pd.NA, 20], dtype="Int64"),
        # continuous nullable integer: 1, NA, 3, 2 -> median 2, filled 1, 2, 3, 2: mean 2,
        # squares 1 + 0 + 1 + 0 = 2 -> std sqrt(2 / 3)
        "cint": pd.array([1, pd.NA, 3, 2], dtype="Int8"),
    })
    prep = preprocess.fit(train, ["cat", "txt", "nint"], ["cint"])
    assert prep.categories == {"cat": ["a", "c"], "txt": ["x", "y"], "nint": [10, 20, 30]}
    assert all(type(v) is int for v in prep.categories["nint"])
    assert prep.median == {"cint": 2.0} and prep.na_flags == ["cint"]
    valid = pd.DataFrame({
        "cat": pd.Categorical(["b", "c", None, "a"], categories=["a", "b", "c", "d"]),
        "txt": pd.array(["x", pd.NA, "z", "y"], dtype="string"),
        "nint": pd.array([20, pd.NA, 40, 10], dtype="Int64"),
        "cint": pd.array([pd.NA, 4, 0, 2], dtype="Int8"),
    })
    got = prep.transform(valid)
    assert got.dtype == np.float32 and got.shape == (4, 3 + 2)
    std = math.sqrt(2 / 3)
    expected = np.array([
        [0, 1, 2, 0.0, 1],
        [2, 0, 0, 2 / std, 0],
        [0, 0, 0, -2 / std, 0],
        [1, 2, 1, 0.0, 0],
    ])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    again = Preprocessor(**json.loads(json.dumps(prep.to_dict())))
    np.testing.assert_array_equal(again.transform(valid), got)


def test_codes_by_value_whatever_the_frame_dtype():
    """Training as a pandas category, later frames as another category set or plain objects."""
    prep = preprocess.fit(pd.DataFrame({"c": pd.Categorical(["b", "a"], categories=["a", "b"])}), ["c"], [])
    other_dtype = pd.DataFrame({"c": pd.Categorical(["b", "z", "a"], categories=["z", "b", "a"])})
    plain = pd.DataFrame({"c": ["b", "z", "a"]})
    assert prep.transform(other_dtype)[:, 0].tolist() == [2, 0, 1]
    assert prep.transform(plain)[:, 0].tolist() == [2, 0, 1]


def test_integer_categories_sort_numerically_not_as_text():
    prep = preprocess.fit(pd.DataFrame({"store": [10, 9, 100, 2]}), ["store"], [])
    assert prep.categories["store"] == [2, 9, 10, 100]
    got = prep.transform(pd.DataFrame({"store": [100, 2, 10, 9, 11]}))
    assert got[:, 0].tolist() == [4, 1, 3, 2, 0]
