"""A synthetic Rossmann feature frame: every CATEGORICAL and CONTINUOUS column, with the dtypes the
real feature parquet has (ints, pandas categories with gaps, float32 with NaN, nullable Open)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS


def _category(values, categories) -> pd.Series:
    return pd.Series(pd.Categorical(values, categories=categories))


def synthetic_features(n: int = 2000, seed: int = 0, n_stores: int = 300) -> pd.DataFrame:
    """n rows of features plus Date, Open (Int8, a few NA) and Sales (0 on closed days, and
    depending on Store, Promo and DayOfWeek on open ones)."""
    rng = np.random.default_rng(seed)
    store = rng.integers(1, n_stores + 1, n).astype(np.int32)
    date = pd.Timestamp("2014-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    promo = rng.integers(0, 2, n).astype(np.int8)

    def ints(low, high, dtype):
        return rng.integers(low, high + 1, n).astype(dtype)

    def floats(low, high, nan_share=0.05):
        x = rng.uniform(low, high, n).astype(np.float32)
        x[rng.random(n) < nan_share] = np.nan
        return x

    frame = pd.DataFrame({
        "Store": store,
        "DayOfWeek": pd.Series(date.day_of_week + 1, dtype=np.int8),
        "Year": pd.Series(date.year, dtype=np.int16),
        "Month": pd.Series(date.month, dtype=np.int8),
        "Day": pd.Series(date.day, dtype=np.int8),
        "StateHoliday": _category(rng.choice(["0", "0", "0", "a", "b", "c"], n), ["0", "a", "b", "c"]),
        "CompetitionMonthsOpen": ints(0, 24, np.int8),
        "Promo2Weeks": ints(0, 25, np.int8),
        "StoreType": _category(np.array(list("abcd"))[store % 4], list("abcd")),
        "Assortment": _category(np.array(list("abc"))[store % 3], list("abc")),
        "PromoInterval": _category(rng.choice(["Jan,Apr,Jul,Oct", "Feb,May,Aug,Nov", None], n),
                                   ["Feb,May,Aug,Nov", "Jan,Apr,Jul,Oct", "Mar,Jun,Sept,Dec"]),
        "CompetitionOpenSinceYear": rng.choice([1900, 2005, 2010, 2013], n).astype(np.int16),
        "Promo2SinceYear": rng.choice([1900, 2011, 2013], n).astype(np.int16),
        "State": _category(np.array(["BE", "BW", "BY", "HE", "HH", "NW", "SH"])[store % 7],
                           ["BE", "BW", "BY", "HB,NI", "HE", "HH", "NW", "SH"]),
        "Week": pd.Series(date.isocalendar().week.to_numpy(), dtype=np.int8),
        "Events": _category(rng.choice(["Rain", "Fog", "Rain-Snow", None, None], n),
                            ["Fog", "Rain", "Rain-Snow", "Snow"]),
        "Promo_fw": ints(0, 5, np.int8),
        "Promo_bw": ints(0, 5, np.int8),
        "StateHoliday_fw": ints(0, 2, np.int8),
        "StateHoliday_bw": ints(0, 2, np.int8),
        "SchoolHoliday_fw": ints(0, 7, np.int8),
        "SchoolHoliday_bw": ints(0, 7, np.int8),
        "AfterClosed": ints(0, 15, np.int16), "BeforeClosed": ints(0, 15, np.int16),
        "CompetitionDistance": floats(20, 20000),
        "Max_TemperatureC": floats(0, 35), "Mean_TemperatureC": floats(-5, 25),
        "Min_TemperatureC": floats(-10, 15),
        "Max_Humidity": floats(50, 100), "Mean_Humidity": floats(30, 90), "Min_Humidity": floats(10, 70),
        "Max_Wind_SpeedKm_h": floats(5, 60), "Mean_Wind_SpeedKm_h": floats(2, 30),
        "CloudCover": floats(0, 8, nan_share=0.2),
        "trend": ints(40, 100, np.int16), "trend_DE": ints(40, 100, np.int16),
        "AfterStateHoliday": ints(0, 365, np.int16), "BeforeStateHoliday": ints(0, 365, np.int16),
        "Promo": promo,
        "SchoolHoliday": ints(0, 1, np.int8),
    })
    open_ = pd.array(np.where(rng.random(n) < 0.1, 0, 1), dtype="Int8")
    open_[rng.random(n) < 0.01] = pd.NA
    level = 3000.0 + 40 * (store % 50) + 800 * promo.astype(float) + 150 * (date.day_of_week.to_numpy() % 3)
    sales = np.round(level * rng.lognormal(0, 0.1, n))
    frame["Open"] = open_
    closed = (open_ == 0).fillna(False).to_numpy(bool)
    frame["Sales"] = np.where(closed, 0, sales).astype(np.int32)  # NA Open: open, sold
    frame["Date"] = date
    assert list(frame.columns[: len(CATEGORICAL) + len(CONTINUOUS)]) == [*CATEGORICAL, *CONTINUOUS]
    return frame


@pytest.fixture(scope="session")
def make_features():
    return synthetic_features
