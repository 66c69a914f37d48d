"""rossmann.split: validation masks and applying the saved split, on hand-made dates."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.errors import EmbedlabError
from embedlab.rossmann.split import apply_split, random_mask, recent_mask, validation_mask, window_mask


def dates(*days: str, index=None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(days)), index=index)


def test_window_mask_bounds_are_inclusive():
    d = dates("2014-07-31", "2014-08-01", "2014-08-15", "2014-09-17", "2014-09-18", "2015-08-10",
              index=[50, 40, 30, 20, 10, 0])
    mask = window_mask(d, "2014-08-01", "2014-09-17")
    assert isinstance(mask, np.ndarray) and mask.dtype == bool
    assert mask.tolist() == [False, True, True, True, False, False]


def test_window_mask_one_day():
    d = dates("2014-08-01", "2014-08-02", "2014-08-02", "2014-08-03")
    assert window_mask(d, "2014-08-02", "2014-08-02").tolist() == [False, True, True, False]


def test_window_without_rows_is_an_error():
    d = dates("2014-07-30", "2014-07-31", "2014-09-18")
    with pytest.raises(EmbedlabError) as info:
        window_mask(d, "2014-08-01", "2014-09-17")
    msg = str(info.value)
    assert "2014-08-01" in msg and "2014-09-17" in msg
    assert "2014-07-30..2014-09-18" in msg  # the span the data has


# 3 rows on 07-29, 2 on 07-30, 4 on 07-31, shuffled; counting back from the latest day: 4, 6, 9.
RECENT = dates("2015-07-31", "2015-07-29", "2015-07-30", "2015-07-31", "2015-07-29", "2015-07-31",
               "2015-07-30", "2015-07-29", "2015-07-31")
LAST = (RECENT == "2015-07-31").to_numpy()
LAST_TWO = (RECENT >= "2015-07-30").to_numpy()


@pytest.mark.parametrize("n_rows,expected", [
    (1, LAST), (4, LAST),              # the last day alone holds 4
    (5, LAST_TWO), (6, LAST_TWO),      # whole days: 5 rows take the whole of 07-30 too
    (7, np.ones(9, bool)), (9, np.ones(9, bool)),
    (100, np.ones(9, bool)),           # more than there is: everything
])
def test_recent_mask_takes_latest_whole_days(n_rows, expected):
    mask = recent_mask(RECENT, n_rows)
    assert isinstance(mask, np.ndarray) and mask.dtype == bool
    assert mask.tolist() == expected.tolist()


def test_recent_mask_with_an_index_of_its_own():
    d = dates("2015-01-02", "2015-01-01", "2015-01-03", index=["a", "b", "c"])
    assert recent_mask(d, 2).tolist() == [True, False, True]


@pytest.mark.parametrize("n,frac,expected", [(100, 0.2, 20), (10, 0.25, 3), (7, 0.5, 4), (1000, 0.04, 40)])
def test_random_mask_share(n, frac, expected):
    # scikit-learn's float test_size takes ceil(frac * n) rows
    mask = random_mask(n, frac, seed=42)
    assert mask.shape == (n,) and mask.dtype == bool
    assert mask.sum() == expected


def test_random_mask_is_deterministic_and_seeded():
    a, b = random_mask(200, 0.2, seed=7), random_mask(200, 0.2, seed=7)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, random_mask(200, 0.2, seed=8))
    assert 0 < a[:100].sum() < 40  # spread over the rows, not a block at one end


def common(**over):
    kwargs = dict(start="2015-07-30", end="2015-07-30", valid_frac=0.5, seed=1, test_rows=5)
    kwargs.update(over)
    return kwargs


def test_validation_mask_dispatch():
    assert validation_mask(RECENT, "window", **common()).tolist() == (RECENT == "2015-07-30").tolist()
    assert validation_mask(RECENT, "recent", **common()).tolist() == LAST_TWO.tolist()
    assert validation_mask(RECENT, "recent", **common(test_rows=1)).tolist() == LAST.tolist()
    rand = validation_mask(RECENT, "random", **common())
    assert rand.sum() == 5  # ceil(0.5 * 9)
    assert np.array_equal(rand, random_mask(9, 0.5, seed=1))


def test_validation_mask_window_with_no_rows_raises():
    with pytest.raises(EmbedlabError):
        validation_mask(RECENT, "window", **common(start="2016-01-01", end="2016-02-01"))


def test_validation_mask_unknown_method_is_an_error_not_a_random_split():
    with pytest.raises(EmbedlabError, match="windw"):
        validation_mask(RECENT, "windw", **common())


def features_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Store": [1, 1, 2, 2, 3, 3],
        "Date": pd.to_datetime(["2015-07-30", "2015-07-31"] * 3),
        "Sales": [10, 11, 20, 21, 30, 31],
    }, index=[5, 4, 3, 2, 1, 0])


def split_frame() -> pd.DataFrame:
    # another row order than the features, and one key the features do not have
    return pd.DataFrame({
        "Store": [3, 2, 1, 3, 2, 1, 9],
        "Date": pd.to_datetime(["2015-07-31", "2015-07-31", "2015-07-31", "2015-07-30", "2015-07-30",
                                "2015-07-30", "2015-07-31"]),
        "valid": [True, True, False, False, False, False, True],
    })


def test_apply_split_disjoint_and_complete():
    train, valid = apply_split(features_frame(), split_frame())
    assert "valid" not in train.columns and "valid" not in valid.columns
    assert list(train.columns) == ["Store", "Date", "Sales"]
    assert sorted(valid["Sales"]) == [21, 31]
    assert sorted(train["Sales"]) == [10, 11, 20, 30]
    keys = lambda f: set(zip(f["Store"], f["Date"]))  # noqa: E731
    assert keys(train).isdisjoint(keys(valid))
    assert len(train) + len(valid) == 6
    assert keys(train) | keys(valid) == keys(features_frame())


def test_apply_split_missing_rows_is_an_error():
    split = split_frame()
    split = split[~((split["Store"] == 2) & (split["Date"] == "2015-07-30"))]
    with pytest.raises(EmbedlabError, match="rossmann_split"):
        apply_split(features_frame(), split)
