"""Join train and test rows with the store, state, weather and Google-trend tables.

Every lookup must find exactly one right-hand row: a key that is missing, or duplicated, on the
right raises EmbedlabError naming the table, the key and how many rows failed, where a plain left
join would leave NaN (or extra rows) behind.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from embedlab.errors import EmbedlabError

# googletrend.csv calls Lower Saxony NI, but store_states.csv and state_names.csv give Lower Saxony
# and Bremen the one code HB,NI; as in the lesson, the NI series serves both.
TREND_STATE_ALIASES = {"NI": "HB,NI"}


def join_tables(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and test rows, each with its store, State, weather, `trend` and `trend_DE` columns."""
    lookups = lookup_tables(tables)
    train, test = (join_rows(tables[name], f"{name}.csv", *lookups) for name in ("train", "test"))
    return train, test


def lookup_tables(
    tables: dict[str, pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """join_rows' stores, weather, trends and trend_de from the store, store_states, state_names,
    weather and googletrend tables (train and test are not read)."""
    stores = stores_with_states(tables["store"], tables["store_states"], tables["state_names"])
    weather = tables["weather"].rename(columns={"file": "StateName"})
    trends, trend_de = weekly_trends(tables["googletrend"])
    return stores, weather, trends, trend_de


def stores_with_states(
    store: pd.DataFrame, store_states: pd.DataFrame, state_names: pd.DataFrame
) -> pd.DataFrame:
    """store.csv with each store's State code and StateName (the name weather.csv uses)."""
    stores = lookup(
        store, store_states, "Store", table="store_states.csv", wanted="State", source="store.csv"
    )
    return lookup(
        stores, state_names, "State", table="state_names.csv", wanted="StateName", source="store.csv"
    )


def weekly_trends(googletrend: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-state trends keyed by (State, week_start); the all-Germany `trend_DE` by week_start."""
    parts = googletrend["file"].str.extract(r"^(Rossmann_DE)(?:_(.+))?$")
    unknown = parts[0].isna().to_numpy()
    if unknown.any():
        raise EmbedlabError(
            f"googletrend.csv: {int(unknown.sum())} file values are not Rossmann_DE or "
            f"Rossmann_DE_<state> (e.g. {googletrend['file'].iloc[unknown.argmax()]!r}); "
            "fix the file or re-download it"
        )
    bounds = googletrend["week"].str.extract(r"^(\S+) - (\S+)$")
    start = pd.to_datetime(bounds[0], format="%Y-%m-%d", errors="coerce")
    end = pd.to_datetime(bounds[1], format="%Y-%m-%d", errors="coerce")
    # Rows find their week by the Sunday that starts it, which is only right for Sunday-Saturday weeks.
    sunday_to_saturday = (start.dt.day_of_week == 6) & (end - start == pd.Timedelta(days=6))
    bad = ~sunday_to_saturday.to_numpy()
    if bad.any():
        raise EmbedlabError(
            f"googletrend.csv: {int(bad.sum())} week values are not Sunday-to-Saturday weeks written "
            f"'YYYY-MM-DD - YYYY-MM-DD' (e.g. {googletrend['week'].iloc[bad.argmax()]!r}); "
            "fix the file or re-download it"
        )
    state = parts[1].replace(TREND_STATE_ALIASES)
    weekly = pd.DataFrame({"State": state, "week_start": start, "trend": googletrend["trend"]})
    national = weekly["State"].isna()
    trends = weekly[~national].reset_index(drop=True)
    trend_de = weekly.loc[national, ["week_start", "trend"]].rename(columns={"trend": "trend_DE"})
    return trends, trend_de.reset_index(drop=True)


def week_start(dates: pd.Series) -> pd.Series:
    """The Sunday that starts the Google-trend week containing each date."""
    return dates.dt.to_period("W-SAT").dt.start_time


def join_rows(
    rows: pd.DataFrame,
    source: str,
    stores: pd.DataFrame,
    weather: pd.DataFrame,
    trends: pd.DataFrame,
    trend_de: pd.DataFrame,
) -> pd.DataFrame:
    """`rows` (train or test, named `source` in errors) with store, weather and trend columns.

    The trend is that of the week containing Date. (The lesson joined on the ISO year and week of
    Date against those of the week's Sunday, which gives Monday-Saturday the following week's trend.)
    """
    joined = lookup(rows, stores, "Store", table="store.csv", wanted="row", source=source)
    joined = lookup(
        joined, weather, ["StateName", "Date"], table="weather.csv", wanted="row", source=source
    )
    joined = joined.assign(week_start=week_start(joined["Date"]))
    trend = {"table": "googletrend.csv", "source": source}
    joined = lookup(joined, trends, ["State", "week_start"], wanted="trend", **trend)
    joined = lookup(joined, trend_de, "week_start", wanted="Rossmann_DE trend", **trend)
    # The dtype comes from the store table, so that a state has the same category code in train,
    # test and any later rows.
    state = pd.CategoricalDtype(sorted(stores["State"].unique()))
    return joined.drop(columns=["StateName", "week_start"]).astype({"State": state})


def lookup(
    left: pd.DataFrame,
    right: pd.DataFrame,
    on: str | Sequence[str],
    *,
    table: str,
    wanted: str,
    source: str,
) -> pd.DataFrame:
    """`left` (index and row order kept) with the columns of the one `right` row matching `on`."""
    on = [on] if isinstance(on, str) else list(on)
    label = on[0] if len(on) == 1 else f"({', '.join(on)})"
    doubled = right.duplicated(on, keep=False).to_numpy()
    if doubled.any():
        raise EmbedlabError(
            f"{table} has {int(doubled.sum())} rows sharing their {label} with another row "
            f"(e.g. {_examples(right.loc[doubled, on].drop_duplicates())}); "
            f"keep one row per {label}"
        )
    joined = left.merge(right, how="left", on=on, indicator=True)
    unmatched = (joined["_merge"] == "left_only").to_numpy()
    if unmatched.any():
        keys = joined.loc[unmatched, on].drop_duplicates()
        raise EmbedlabError(
            f"{table} has no {wanted} for {len(keys)} {label} values (e.g. {_examples(keys)}) "
            f"needed by {int(unmatched.sum())} rows of {source}; "
            f"add them to {table} or drop those rows"
        )
    return joined.drop(columns="_merge").set_axis(left.index)


def _examples(keys: pd.DataFrame, limit: int = 3) -> str:
    rows = keys.head(limit).itertuples(index=False)
    return ", ".join(" ".join(_shown(value) for value in row) for row in rows)


def _shown(value: object) -> str:
    return value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else str(value)
