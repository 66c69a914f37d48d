"""Feature engineering on tiny hand-computed frames, and once on the real Rossmann archive."""
from __future__ import annotations

import tarfile
from pathlib import Path

import pandas as pd
import pytest

from embedlab.errors import EmbedlabError
from embedlab.rossmann.features import (
    CATEGORICAL,
    CLOSED_DAYS_CAP,
    CONTINUOUS,
    NO_EVENT_DAYS,
    add_competition_features,
    add_date_parts,
    add_promo2_features,
    build_features,
    event_features,
)
from embedlab.rossmann.join import join_tables
from embedlab.rossmann.tables import read_tables

NONE = NO_EVENT_DAYS


def event_keys(rows: list[tuple], index=None) -> pd.DataFrame:
    """Rows of (Store, Date, SchoolHoliday, StateHoliday, Promo, Open)."""
    columns = ["Store", "Date", "SchoolHoliday", "StateHoliday", "Promo", "Open"]
    frame = pd.DataFrame(rows, columns=columns, index=index)
    return frame.assign(Date=pd.to_datetime(frame["Date"]))


def days(start: str, n: int) -> list[str]:
    return list(pd.date_range(start, periods=n).strftime("%Y-%m-%d"))


def store_rows(store: int, dates: list[str], *, school=None, state=None, promo=None,
               open_=None) -> list[tuple]:
    """One store's rows; events not given are all zero ('0' for StateHoliday), the store open."""
    n = len(dates)
    return list(zip([store] * n, dates, school or [0] * n, state or ["0"] * n, promo or [0] * n,
                    open_ or [1] * n))


def test_after_and_before_stop_at_the_store_boundary():
    rows = store_rows(1, days("2015-01-01", 5), promo=[0, 1, 0, 0, 0]) + store_rows(
        2, days("2015-01-01", 5), promo=[0, 0, 0, 1, 0]
    )
    # Shuffled, with an index of its own: the result must follow the input's rows, not the sort.
    order = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4]
    keys = event_keys([rows[i] for i in order], index=[f"r{i}" for i in order])
    got = event_features(keys).loc[[f"r{i}" for i in range(10)]]
    assert list(got["AfterPromo"]) == [NONE, 0, 1, 2, 3] + [NONE, NONE, NONE, 0, 1]
    assert list(got["BeforePromo"]) == [1, 0, NONE, NONE, NONE] + [3, 2, 1, 0, NONE]


def test_elapsed_days_count_calendar_days_across_missing_dates():
    # The 180-store gap: no rows from 2014-07-01 to 2014-12-31.
    keys = event_keys(
        store_rows(1, ["2014-06-28", "2014-06-30", "2015-01-01", "2015-01-02"], school=[1, 0, 0, 1])
    )
    got = event_features(keys)
    assert list(got["AfterSchoolHoliday"]) == [0, 2, 187, 0]
    assert list(got["BeforeSchoolHoliday"]) == [0, 186, 1, 0]
    # From 2015-01-01 a 7-row window would reach back over the gap to 2014-06-28; 7 days do not.
    assert list(got["SchoolHoliday_bw"]) == [1, 1, 0, 1]
    assert list(got["SchoolHoliday_fw"]) == [1, 0, 1, 1]


def test_windows_span_seven_days_including_the_day_itself():
    holidays = ["a", "0", "0", "c", "0", "0", "0", "0", "0", "b"]
    got = event_features(event_keys(store_rows(3, days("2015-03-01", 10), state=holidays)))
    # Backward: events on [d-6, d]; forward: events on [d, d+6]. The first row sees only itself
    # backward, the last row only itself forward.
    assert list(got["StateHoliday_bw"]) == [1, 1, 1, 2, 2, 2, 2, 1, 1, 2]
    assert list(got["StateHoliday_fw"]) == [2, 1, 1, 2, 1, 1, 1, 1, 1, 1]
    assert list(got["AfterStateHoliday"]) == [0, 1, 2, 0, 1, 2, 3, 4, 5, 0]
    assert list(got["BeforeStateHoliday"]) == [0, 2, 1, 0, 5, 4, 3, 2, 1, 0]


def test_windows_do_not_reach_into_neighbouring_stores():
    rows = (
        store_rows(1, days("2015-01-01", 3), promo=[1, 1, 1])
        + store_rows(2, days("2015-01-01", 3), promo=[0, 0, 0])
        + store_rows(3, days("2015-01-01", 3), promo=[1, 1, 1])
    )
    got = event_features(event_keys(rows))
    assert list(got["Promo_bw"]) == [1, 2, 3, 0, 0, 0, 1, 2, 3]
    assert list(got["Promo_fw"]) == [3, 2, 1, 0, 0, 0, 3, 2, 1]


def test_elapsed_days_are_capped():
    dates = ["2013-01-01", "2014-03-01", "2014-03-02"]
    keys = event_keys(store_rows(1, dates, state=["a", "0", "a"]))
    got = event_features(keys)
    assert list(got["AfterStateHoliday"]) == [0, NONE, 0]  # 424 days
    assert list(got["BeforeStateHoliday"]) == [0, 1, 0]


def test_closed_means_closed_on_a_day_it_would_open():
    # 2015-03-01 is a Sunday. Closed: the Sunday (normal), the Tuesday (state holiday: normal),
    # Thursday and Friday (abnormal: a refurbishment, say). Monday 9th's Open is missing: open.
    dates = days("2015-03-01", 9)
    open_ = [0, 1, 0, 1, 0, 0, 1, 0, None]
    state = ["0", "0", "a", "0", "0", "0", "0", "0", "0"]
    keys = event_keys(store_rows(1, dates, state=state, open_=open_)).astype({"Open": "Int8"})
    got = event_features(keys)
    cap = CLOSED_DAYS_CAP
    assert list(got["AfterClosed"]) == [cap, cap, cap, cap, 0, 0, 1, 2, 3]
    assert list(got["BeforeClosed"]) == [4, 3, 2, 1, 0, 0, cap, cap, cap]
    assert list(got["Closed_bw"]) == [0, 0, 0, 0, 1, 2, 2, 2, 2]


def test_closed_days_are_capped():
    dates = days("2015-03-02", 40)  # a Monday; closed on the first day only
    got = event_features(event_keys(store_rows(1, dates, open_=[0] + [1] * 39)))
    after = list(got["AfterClosed"])
    assert after[:3] == [0, 1, 2] and after[CLOSED_DAYS_CAP] == CLOSED_DAYS_CAP
    assert max(after) == CLOSED_DAYS_CAP
    assert list(got["BeforeClosed"])[1:] == [CLOSED_DAYS_CAP] * 39


def test_repeated_store_and_date_is_an_error():
    keys = event_keys(store_rows(1, ["2015-01-01", "2015-01-02", "2015-01-02"], promo=[0, 1, 1]))
    with pytest.raises(
        EmbedlabError, match=r"1 repeated \(Store, Date\) pairs \(e\.g\. store 1 on 2015-01-02\)"
    ):
        event_features(keys)


def joined_rows(store: int, dates: list[str], promo: list[int]) -> pd.DataFrame:
    """The columns build_features needs, for a store without competition or Promo2 dates."""
    n = len(dates)
    return pd.DataFrame({
        "Store": store, "Date": pd.to_datetime(dates), "Promo": promo, "SchoolHoliday": 0,
        "StateHoliday": ["0"] * n, "Open": 1,
        "CompetitionOpenSinceMonth": pd.array([pd.NA] * n, dtype="Int16"),
        "CompetitionOpenSinceYear": pd.array([pd.NA] * n, dtype="Int16"),
        "Promo2SinceWeek": pd.array([pd.NA] * n, dtype="Int16"),
        "Promo2SinceYear": pd.array([pd.NA] * n, dtype="Int16"),
    })


def test_train_and_test_share_one_timeline():
    train = joined_rows(1, ["2015-07-31", "2015-07-30", "2015-07-29"], [0, 1, 0])
    train = train.set_axis([10, 11, 12])
    test = joined_rows(1, ["2015-08-02", "2015-08-01"], [1, 0]).set_axis([20, 21])
    train_out, test_out = build_features(train, test)
    assert list(train_out.index) == [10, 11, 12] and list(test_out.index) == [20, 21]
    assert list(train_out["BeforePromo"]) == [2, 0, 1]  # the last training day sees the test promo
    assert list(test_out["AfterPromo"]) == [0, 2]  # the first test day sees the last training promo
    assert list(test_out["Promo_bw"]) == [2, 1]
    assert list(train_out["Promo_fw"]) == [1, 2, 2]
    assert (train_out["CompetitionMonthsOpen"] == 0).all() and (test_out["Promo2Weeks"] == 0).all()


def test_competition_months_are_capped_and_floored():
    since = [(2015, 7), (2015, 6), (2013, 1), (2015, 9), (None, None), (1961, 1)]
    frame = pd.DataFrame({
        "Date": pd.to_datetime(["2015-07-31"] * len(since)),
        "CompetitionOpenSinceYear": pd.array([y for y, _ in since], dtype="Int16"),
        "CompetitionOpenSinceMonth": pd.array([m for _, m in since], dtype="Int16"),
    })
    got = add_competition_features(frame)
    # Opened on the 15th; later than Date -> 0; unknown (filled as 1900) or before 1990 -> 0.
    assert list(got["CompetitionDaysOpen"]) == [16, 46, 927, 0, 0, 0]
    assert list(got["CompetitionMonthsOpen"]) == [0, 1, 24, 0, 0, 0]
    assert list(got["CompetitionOpenSinceYear"]) == [2015, 2015, 2013, 2015, 1900, 1961]
    assert got["CompetitionOpenSinceYear"].dtype == "int16"


def test_promo2_weeks_are_capped_and_floored():
    since = [(2015, 1), (2015, 27), (2010, 13), (2015, 40), (None, None)]
    frame = pd.DataFrame({
        "Date": pd.to_datetime(["2015-01-05"] + ["2015-07-31"] * 4),
        "Promo2SinceYear": pd.array([y for y, _ in since], dtype="Int16"),
        "Promo2SinceWeek": pd.array([w for _, w in since], dtype="Int16"),
    })
    got = add_promo2_features(frame)
    # ISO week 1 of 2015 starts on Monday 2014-12-29, week 27 on 2015-06-29,
    # week 13 of 2010 on 2010-03-29.
    assert list(got["Promo2Days"]) == [7, 32, 1950, 0, 0]
    assert list(got["Promo2Weeks"]) == [1, 4, 25, 0, 0]
    assert list(got["Promo2SinceYear"]) == [2015, 2015, 2010, 2015, 1900]


def test_date_parts():
    dates = pd.to_datetime(["2015-12-31", "2016-01-01", "2015-02-15"])
    got = add_date_parts(pd.DataFrame({"Date": dates}))
    assert list(got["Year"]) == [2015, 2016, 2015]
    assert list(got["Week"]) == [53, 53, 7]  # ISO weeks: 2016-01-01 is in week 53 of 2015
    assert list(got["Month"]) == [12, 1, 2] and list(got["Day"]) == [31, 1, 15]
    assert list(got["Dayofweek"]) == [3, 4, 6] and list(got["Dayofyear"]) == [365, 1, 46]
    assert list(got["Is_year_end"]) == [True, False, False]
    assert list(got["Is_year_start"]) == [False, True, False]
    assert list(got["Is_quarter_end"]) == [True, False, False]
    assert list(got["Is_month_start"]) == [False, True, False]
    assert list(got["Elapsed"]) == [1451520000, 1451606400, 1423958400]


def test_model_column_lists():
    # the lesson's 22, and AfterClosed / BeforeClosed
    assert len(CATEGORICAL) == len(set(CATEGORICAL)) == 24
    assert len(CONTINUOUS) == len(set(CONTINUOUS)) == 16
    assert not set(CATEGORICAL) & set(CONTINUOUS)


@pytest.fixture(scope="module")
def real_rossmann(tmp_path_factory, mirror) -> Path:
    archive = mirror / "rossmann.tgz"
    folder = tmp_path_factory.mktemp("rossmann")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


def test_real_data_read_join_features(real_rossmann):
    train, test = build_features(*join_tables(read_tables(real_rossmann)))
    assert len(train) == 1_017_209 and len(test) == 41_088
    for frame in (train, test):
        joined = frame[["Store", "Date", "State", "StoreType", "trend", "trend_DE", "Max_Humidity"]]
        assert not joined.isna().any().any()
        assert set(CATEGORICAL + CONTINUOUS) <= set(frame.columns)
        assert not [name for name, dtype in frame.dtypes.items() if dtype in (object, "str")]
    holidays = train["StateHoliday"].value_counts().to_dict()
    assert holidays == {"0": 986_159, "a": 20_260, "b": 6_690, "c": 4_100}
    assert train["Sales"].mean() == pytest.approx(5773.818972, abs=1e-6)
    assert (train["Sales"] > 0).sum() == 844_338
    assert train["State"].dtype == test["State"].dtype
    first = train.iloc[0]  # row order is train.csv's
    assert (first["Store"], first["Date"], first["Sales"]) == (1, pd.Timestamp("2015-07-31"), 5263)
