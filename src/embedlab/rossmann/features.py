"""The lesson's engineered features, computed column-wise over whole frames.

Conventions where the lesson's notebook was implicit, looped over rows, or was changed on purpose:

- Events: SchoolHoliday != 0, StateHoliday != '0', Promo != 0, and Closed (below).
- After<Event> / Before<Event>: calendar days since the store's latest event / until its next one,
  the row's own date included, so an event today gives 0 in both. Before counts forward in positive
  days (the lesson's were negative).
- The event features are computed over train and test together, per store in date order, so the
  first test days see the last training days and the last training days see the test period.
- Missing dates (180 stores have no rows for 2014-07-01..2014-12-31) are days without an event:
  After and Before keep counting calendar days across the gap (not rows), and the windows below
  find nothing there.
- Where a store has no event at or before a row (After), or at or after it (Before), the value is
  NO_EVENT_DAYS, and every value is capped at it: "a year or more, or none in the data". The lesson
  left NaN there and filled 0, which reads as "event today".
- Closed (not a lesson feature; ours): the store is closed (Open == 0) on a day that is neither a
  Sunday nor a state holiday: a refurbishment, a stocktaking. Sales around such closures are not
  ordinary (a clearance before, a rush or a slow restart after), and they dominate the validation
  error. AfterClosed / BeforeClosed are capped at CLOSED_DAYS_CAP ("15 days or more, or none")
  so that they make small categorical inputs. A missing Open (test.csv has a few) counts as open.
- <Event>_bw / <Event>_fw: the number of event days among the WINDOW_DAYS calendar days ending /
  starting on the row's date, that date included. Where no date is missing this equals the lesson's
  rolling(7, min_periods=1).sum() over consecutive rows of the store in date order (backward) and in
  reverse date order (forward); across the gap it does not reach rows more than 6 days away.
- A competition opened or a Promo2 started before 1990 counts as 0 days, as in the lesson; a
  missing date is filled with 1900 (competition: 1900-01-15; Promo2: ISO week 1 of 1900), so it
  counts as 0 days too.
- Values missing in the data stay missing: NaN in CompetitionDistance and the weather measures, NA
  in PromoInterval (stores without Promo2) and Events (days without one). Filling them is the
  model's preprocessing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from embedlab.errors import EmbedlabError

CATEGORICAL = [
    "Store", "DayOfWeek", "Year", "Month", "Day", "StateHoliday", "CompetitionMonthsOpen",
    "Promo2Weeks", "StoreType", "Assortment", "PromoInterval", "CompetitionOpenSinceYear",
    "Promo2SinceYear", "State", "Week", "Events", "Promo_fw", "Promo_bw", "StateHoliday_fw",
    "StateHoliday_bw", "SchoolHoliday_fw", "SchoolHoliday_bw", "AfterClosed", "BeforeClosed",
]
CONTINUOUS = [
    "CompetitionDistance", "Max_TemperatureC", "Mean_TemperatureC", "Min_TemperatureC",
    "Max_Humidity", "Mean_Humidity", "Min_Humidity", "Max_Wind_SpeedKm_h", "Mean_Wind_SpeedKm_h",
    "CloudCover", "trend", "trend_DE", "AfterStateHoliday", "BeforeStateHoliday", "Promo",
    "SchoolHoliday",
]

EVENTS = ("SchoolHoliday", "StateHoliday", "Promo", "Closed")
EVENT_KEYS = ["Store", "Date", "SchoolHoliday", "StateHoliday", "Promo", "Open"]  # what EVENTS need
WINDOW_DAYS = 7
NO_EVENT_DAYS = 365
CLOSED_DAYS_CAP = 15
ELAPSED_CAPS = {"Closed": CLOSED_DAYS_CAP}  # events whose After/Before stop short of NO_EVENT_DAYS
COMPETITION_MONTHS_CAP = 24
PROMO2_WEEKS_CAP = 25
# Start dates before this year are treated as unknown (the lesson's rule; it also catches the fill).
EARLIEST_KNOWN_YEAR = 1990
UNKNOWN_YEAR = 1900


def build_features(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """join_tables' train and test frames with every feature added; index and row order are kept."""
    keys = pd.concat([train[EVENT_KEYS], test[EVENT_KEYS]], ignore_index=True)
    events = event_features(keys)
    return _with_events(train, events.iloc[: len(train)]), _with_events(test, events.iloc[len(train):])


def features_after(history: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` (joined as join_rows joins them) with every feature, their event features computed
    over them and `history` together: with the training rows as history, a test row gets what
    build_features gives it. Only history's EVENT_KEYS columns are read."""
    keys = pd.concat([history[EVENT_KEYS], rows[EVENT_KEYS]], ignore_index=True)
    return _with_events(rows, event_features(keys).iloc[len(history):])


def _with_events(frame: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([row_features(frame), events.set_axis(frame.index)], axis=1)


def row_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The features that need nothing but the row itself."""
    return add_promo2_features(add_competition_features(add_date_parts(frame)))


def add_date_parts(frame: pd.DataFrame) -> pd.DataFrame:
    date = frame["Date"].dt
    return frame.assign(
        Year=date.year.astype("int16"),
        Month=date.month.astype("int8"),
        Week=date.isocalendar()["week"].astype("int8"),
        Day=date.day.astype("int8"),
        Dayofweek=date.day_of_week.astype("int8"),
        Dayofyear=date.day_of_year.astype("int16"),
        Is_month_end=date.is_month_end,
        Is_month_start=date.is_month_start,
        Is_quarter_end=date.is_quarter_end,
        Is_quarter_start=date.is_quarter_start,
        Is_year_end=date.is_year_end,
        Is_year_start=date.is_year_start,
        Elapsed=(frame["Date"] - pd.Timestamp(0)) // pd.Timedelta(seconds=1),
    )


def add_competition_features(frame: pd.DataFrame) -> pd.DataFrame:
    year = frame["CompetitionOpenSinceYear"].fillna(UNKNOWN_YEAR).astype("int16")
    month = frame["CompetitionOpenSinceMonth"].fillna(1).astype("int8")
    since = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 15}))
    days = _days_from(since, frame["Date"]).where(year >= EARLIEST_KNOWN_YEAR, 0)
    return frame.assign(
        CompetitionOpenSinceYear=year,
        CompetitionOpenSinceMonth=month,
        CompetitionDaysOpen=days.astype("int32"),
        CompetitionMonthsOpen=(days // 30).clip(upper=COMPETITION_MONTHS_CAP).astype("int8"),
    )


def add_promo2_features(frame: pd.DataFrame) -> pd.DataFrame:
    year = frame["Promo2SinceYear"].fillna(UNKNOWN_YEAR).astype("int16")
    week = frame["Promo2SinceWeek"].fillna(1).astype("int8")
    since = iso_week_monday(year, week)
    days = _days_from(since, frame["Date"]).where(year >= EARLIEST_KNOWN_YEAR, 0)
    return frame.assign(
        Promo2SinceYear=year,
        Promo2SinceWeek=week,
        Promo2Days=days.astype("int32"),
        Promo2Weeks=(days // 7).clip(upper=PROMO2_WEEKS_CAP).astype("int8"),
    )


def iso_week_monday(year: pd.Series, week: pd.Series) -> pd.Series:
    """The Monday of ISO week `week` of `year` (what the lesson took from isoweek.Week.monday())."""
    # 4 January always lies in ISO week 1.
    jan4 = pd.to_datetime(pd.DataFrame({"year": year, "month": 1, "day": 4}))
    first_monday = jan4 - pd.to_timedelta(jan4.dt.day_of_week, unit="D")
    return first_monday + pd.to_timedelta(7 * (week.astype("int64") - 1), unit="D")


def _days_from(start: pd.Series, date: pd.Series) -> pd.Series:
    """Whole days from `start` to `date`, 0 where `date` comes first."""
    return (date - start).dt.days.clip(lower=0)


def event_features(keys: pd.DataFrame) -> pd.DataFrame:
    """After*/Before* days and *_bw/*_fw counts for each of EVENTS, aligned with `keys`' rows.

    `keys` holds Store, Date and the event columns of every row of every store, in any order.
    """
    store = keys["Store"].to_numpy(dtype="int64")
    day = keys["Date"].to_numpy().astype("datetime64[D]").astype("int64")
    order = np.lexsort((day, store))
    store, day = store[order], day[order]
    repeated = (store[1:] == store[:-1]) & (day[1:] == day[:-1])
    if repeated.any():
        at = int(repeated.argmax())
        raise EmbedlabError(
            f"train and test have {int(repeated.sum())} repeated (Store, Date) pairs (e.g. store "
            f"{store[at]} on {day[at].astype('datetime64[D]')}); keep one row per store and date"
        )
    # One sortable number per (store, date), stores spaced wider than a window can reach.
    first_day = day.min()
    key = store * (day.max() - first_day + WINDOW_DAYS) + (day - first_day)
    columns = {}
    for name, happened in event_flags(keys).items():
        happened = happened[order]
        event_day = pd.Series(np.where(happened, day, np.nan))
        cap = ELAPSED_CAPS.get(name, NO_EVENT_DAYS)
        columns[f"After{name}"] = _elapsed(day - event_day.groupby(store).ffill().to_numpy(), cap)
        columns[f"Before{name}"] = _elapsed(event_day.groupby(store).bfill().to_numpy() - day, cap)
        columns[f"{name}_bw"], columns[f"{name}_fw"] = window_counts(key, happened, WINDOW_DAYS)
    return pd.DataFrame(columns).iloc[np.argsort(order)].set_axis(keys.index)


def event_flags(keys: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "SchoolHoliday": keys["SchoolHoliday"].to_numpy() != 0,
        "StateHoliday": (keys["StateHoliday"] != "0").to_numpy(),
        "Promo": keys["Promo"].to_numpy() != 0,
        "Closed": (keys["Open"].eq(0).to_numpy(dtype=bool, na_value=False)
                   & (keys["Date"].dt.day_of_week != 6).to_numpy()
                   & (keys["StateHoliday"] == "0").to_numpy()),
    }


def _elapsed(days: np.ndarray, cap: int) -> np.ndarray:
    """Days as int16, NaN (no event in that direction) and anything longer read as `cap`."""
    return np.fmin(days, cap).astype("int16")


def window_counts(
    key: np.ndarray, happened: np.ndarray, days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Events within the `days` keys ending at, and starting at, each row.

    `key` is sorted ascending and keys of different stores lie at least `days` apart. pandas'
    time-based rolling windows only look backward, so both directions are done alike here with
    binary search over the sorted keys and a running count.
    """
    events_before = np.concatenate(([0], np.cumsum(happened)))  # [i]: events in rows before row i
    row = np.arange(len(key))
    window_start = np.searchsorted(key, key - (days - 1), side="left")
    window_end = np.searchsorted(key, key + (days - 1), side="right")
    backward = events_before[row + 1] - events_before[window_start]
    forward = events_before[window_end] - events_before[row]
    return backward.astype("int8"), forward.astype("int8")
