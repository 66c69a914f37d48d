"""Read the seven Rossmann CSVs with explicit types, failing loudly on anything unexpected."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from embedlab.errors import EmbedlabError

STATE_HOLIDAY = pd.CategoricalDtype(["0", "a", "b", "c"])

# Read as text and parsed afterwards, so that a bad value can be reported with its file and line.
_DATE = "date"

WEATHER_MEASURES = [
    "Max_TemperatureC", "Mean_TemperatureC", "Min_TemperatureC",
    "Dew_PointC", "MeanDew_PointC", "Min_DewpointC",
    "Max_Humidity", "Mean_Humidity", "Min_Humidity",
    "Max_Sea_Level_PressurehPa", "Mean_Sea_Level_PressurehPa", "Min_Sea_Level_PressurehPa",
    "Max_VisibilityKm", "Mean_VisibilityKm", "Min_VisibilitykM",
    "Max_Wind_SpeedKm_h", "Mean_Wind_SpeedKm_h", "Max_Gust_SpeedKm_h",
    "Precipitationmm", "CloudCover", "WindDirDegrees",
]

# Nullable ints ("Int8", "Int16") where the real files have gaps: test.csv lacks Open for 11 rows,
# store.csv lacks the competition and Promo2 start dates of some stores.
SCHEMAS: dict[str, dict[str, str]] = {
    "train": {
        "Store": "int32", "DayOfWeek": "int8", "Date": _DATE, "Sales": "int32",
        "Customers": "int32", "Open": "Int8", "Promo": "int8", "StateHoliday": "str",
        "SchoolHoliday": "int8",
    },
    "test": {
        "Id": "int32", "Store": "int32", "DayOfWeek": "int8", "Date": _DATE, "Open": "Int8",
        "Promo": "int8", "StateHoliday": "str", "SchoolHoliday": "int8",
    },
    "store": {
        "Store": "int32", "StoreType": "category", "Assortment": "category",
        "CompetitionDistance": "float32", "CompetitionOpenSinceMonth": "Int16",
        "CompetitionOpenSinceYear": "Int16", "Promo2": "int8", "Promo2SinceWeek": "Int16",
        "Promo2SinceYear": "Int16", "PromoInterval": "category",
    },
    "store_states": {"Store": "int32", "State": "str"},
    "state_names": {"StateName": "str", "State": "str"},
    "weather": {
        "file": "str", "Date": _DATE, **{name: "float32" for name in WEATHER_MEASURES},
        "Events": "category",
    },
    "googletrend": {"file": "str", "week": "str", "trend": "int16"},
}


def read_tables(folder: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """The seven tables of `folder`, keyed by file stem, typed as SCHEMAS says."""
    folder = Path(folder)
    missing = [f"{name}.csv" for name in SCHEMAS if not (folder / f"{name}.csv").is_file()]
    if missing:
        raise EmbedlabError(
            f"{folder} lacks {', '.join(missing)}; point it at the extracted rossmann.tgz "
            "(re-run the download stage)"
        )
    return {name: read_table(folder / f"{name}.csv", schema) for name, schema in SCHEMAS.items()}


def read_table(path: Path, schema: dict[str, str]) -> pd.DataFrame:
    """One CSV with exactly the columns of `schema` (extra columns are ignored), typed by it."""
    header = pd.read_csv(path, nrows=0).columns
    absent = [column for column in schema if column not in header]
    if absent:
        raise EmbedlabError(
            f"{path.name} has no column {', '.join(absent)}; "
            "fix the file or re-run the download stage"
        )
    dtypes = {column: "str" if kind == _DATE else kind for column, kind in schema.items()}
    try:
        frame = pd.read_csv(path, usecols=list(schema), dtype=dtypes)
    except ValueError as err:
        first_line = str(err).splitlines()[0]
        raise EmbedlabError(
            f"{path.name} does not fit its schema ({first_line}); "
            "fix the file or re-run the download stage"
        ) from err
    frame = frame[list(schema)]
    for column, kind in schema.items():
        if kind == _DATE:
            frame[column] = parse_dates(frame[column], path.name, column)
    if "StateHoliday" in schema:
        frame["StateHoliday"] = state_holidays(frame["StateHoliday"], path.name)
    return frame


def parse_dates(raw: pd.Series, file: str, column: str = "Date") -> pd.Series:
    """Strict YYYY-MM-DD: anything else, an empty value included, is an error and not a NaT."""
    dates = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    bad = dates.isna().to_numpy()
    if bad.any():
        position = int(bad.argmax())
        raise EmbedlabError(
            f"{file}: {int(bad.sum())} {column} values are not YYYY-MM-DD dates "
            f"(e.g. {_shown(raw.iloc[position])} on line {position + 2}); "
            "fix the file or re-download it"
        )
    return dates


def state_holidays(raw: pd.Series, file: str) -> pd.Series:
    # astype(category) would turn an unknown code into NaN without a word, so check first.
    bad = ~raw.isin(STATE_HOLIDAY.categories).to_numpy()
    if bad.any():
        position = int(bad.argmax())
        raise EmbedlabError(
            f"{file}: {int(bad.sum())} StateHoliday values are not one of '0', 'a', 'b', 'c' "
            f"(e.g. {_shown(raw.iloc[position])} on line {position + 2}); "
            "fix the file or re-download it"
        )
    return raw.astype(STATE_HOLIDAY)


def _shown(value: object) -> str:
    return "an empty value" if pd.isna(value) else repr(value)
