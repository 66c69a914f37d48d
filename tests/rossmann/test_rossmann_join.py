"""read_tables and join_tables on a two-store, four-day world written out as CSV text."""
from __future__ import annotations

import pandas as pd
import pytest

from embedlab.errors import EmbedlabError
from embedlab.rossmann.join import join_tables
from embedlab.rossmann.tables import WEATHER_MEASURES, read_tables

STORE = (
    '"Store","StoreType","Assortment","CompetitionDistance","CompetitionOpenSinceMonth",'
    '"CompetitionOpenSinceYear","Promo2","Promo2SinceWeek","Promo2SinceYear","PromoInterval"\n'
    '1,"c","a",1270,9,2008,0,,,""\n'
    '2,"a","a",570,11,2007,1,13,2010,"Jan,Apr,Jul,Oct"\n'
)
STORE_STATES = 'Store,State\n1,"HB,NI"\n2,BY\n'
STATE_NAMES = 'StateName,State\nBayern,BY\nNiedersachsen,"HB,NI"\n'
# 2015-08-01 is a Saturday: it belongs to the week that starts on Sunday 2015-07-26.
GOOGLETREND = """\
file,week,trend
Rossmann_DE,2015-07-26 - 2015-08-01,50
Rossmann_DE,2015-08-02 - 2015-08-08,51
Rossmann_DE_NI,2015-07-26 - 2015-08-01,60
Rossmann_DE_NI,2015-08-02 - 2015-08-08,61
Rossmann_DE_BY,2015-07-26 - 2015-08-01,70
Rossmann_DE_BY,2015-08-02 - 2015-08-08,71
"""
# The real train.csv quotes StateHoliday on most rows but not all.
TRAIN = """\
"Store","DayOfWeek","Date","Sales","Customers","Open","Promo","StateHoliday","SchoolHoliday"
1,5,2015-07-31,5263,555,1,1,"0","1"
2,5,2015-07-31,6064,625,1,1,0,"1"
1,4,2015-07-30,5020,546,1,1,"a","1"
2,4,2015-07-30,5567,605,1,1,"0","1"
"""
TEST = """\
"Id","Store","DayOfWeek","Date","Open","Promo","StateHoliday","SchoolHoliday"
1,1,7,2015-08-02,1,0,"0","0"
2,2,7,2015-08-02,,0,"0","0"
3,1,6,2015-08-01,1,0,"0","0"
4,2,6,2015-08-01,1,0,"0","0"
"""


def weather_csv() -> str:
    """Mean_TemperatureC is 10 + day of month in Niedersachsen and 20 + day in Bayern."""
    rows = []
    for state, base in (("Niedersachsen", 10), ("Bayern", 20)):
        for date in pd.date_range("2015-07-30", "2015-08-02"):
            row = {"file": state, "Date": date.strftime("%Y-%m-%d")}
            row |= dict.fromkeys(WEATHER_MEASURES, 1)
            row["Mean_TemperatureC"] = base + date.day
            row["Events"] = "Rain" if state == "Bayern" else None
            rows.append(row)
    return pd.DataFrame(rows).to_csv(index=False, na_rep="NA")


def write_world(folder, **replaced: str) -> None:
    texts = {
        "train": TRAIN, "test": TEST, "store": STORE, "store_states": STORE_STATES,
        "state_names": STATE_NAMES, "weather": weather_csv(), "googletrend": GOOGLETREND,
    }
    for name, text in {**texts, **replaced}.items():
        (folder / f"{name}.csv").write_text(text)


@pytest.fixture
def tables(tmp_path):
    write_world(tmp_path)
    return read_tables(tmp_path)


def test_read_tables_types(tables):
    train, test, store = tables["train"], tables["test"], tables["store"]
    assert list(train["StateHoliday"]) == ["0", "0", "a", "0"]
    assert list(train["StateHoliday"].cat.categories) == ["0", "a", "b", "c"]
    assert train["Date"].dtype.kind == "M" and train["Store"].dtype == "int32"
    assert test["Open"].isna().sum() == 1
    assert store["Promo2SinceYear"].isna().sum() == 1 and store["PromoInterval"].isna().sum() == 1
    assert tables["weather"]["Events"].dtype == "category"


def test_non_date_in_date_names_file_and_value(tmp_path):
    write_world(tmp_path, train=TRAIN.replace("2015-07-30,5567", "tomorrow,5567"))
    with pytest.raises(EmbedlabError, match=r"train\.csv: 1 Date values .*'tomorrow' on line 5"):
        read_tables(tmp_path)


def test_date_with_time_is_not_a_date(tmp_path):
    write_world(tmp_path, test=TEST.replace("2015-08-01,1,0", "2015-08-01 00:00:00,1,0"))
    with pytest.raises(EmbedlabError, match=r"test\.csv: 2 Date values"):
        read_tables(tmp_path)


def test_unknown_state_holiday_code_is_an_error(tmp_path):
    write_world(tmp_path, train=TRAIN.replace('"a"', '"x"'))
    with pytest.raises(EmbedlabError, match=r"train\.csv: 1 StateHoliday values .*'x' on line 4"):
        read_tables(tmp_path)


def test_missing_file_and_missing_column(tmp_path):
    write_world(tmp_path)
    (tmp_path / "weather.csv").unlink()
    with pytest.raises(EmbedlabError, match=r"lacks weather\.csv"):
        read_tables(tmp_path)
    write_world(tmp_path, store_states="Store,Region\n1,BY\n")
    with pytest.raises(EmbedlabError, match=r"store_states\.csv has no column State"):
        read_tables(tmp_path)


def test_non_integer_is_an_error(tmp_path):
    write_world(tmp_path, train=TRAIN.replace("5263", "lots"))
    with pytest.raises(EmbedlabError, match=r"train\.csv does not fit its schema"):
        read_tables(tmp_path)


def test_join_matches_store_weather_and_week(tables):
    train, test = join_tables(tables)
    assert len(train) == 4 and len(test) == 4
    assert list(test["Id"]) == [1, 2, 3, 4]  # row order kept
    by_id = test.set_index("Id")
    # Store 1 is in HB,NI, whose trend is googletrend's NI series.
    assert list(by_id["State"]) == ["HB,NI", "BY", "HB,NI", "BY"]
    # Sunday 08-02 starts a new week; Saturday 08-01 ends the one before.
    assert list(by_id["trend"]) == [61, 71, 60, 70]
    assert list(by_id["trend_DE"]) == [51, 51, 50, 50]
    assert list(by_id["Mean_TemperatureC"]) == [12.0, 22.0, 11.0, 21.0]
    assert list(train["Mean_TemperatureC"]) == [41.0, 51.0, 40.0, 50.0]
    assert list(train["StoreType"]) == ["c", "a", "c", "a"]
    assert train["State"].dtype == test["State"].dtype == "category"
    assert "StateName" not in train.columns and "week_start" not in train.columns


def test_store_missing_from_store_states(tables):
    tables["store_states"] = tables["store_states"].iloc[:1]
    with pytest.raises(
        EmbedlabError, match=r"^store_states\.csv has no State for 1 Store values \(e\.g\. 2\)"
    ):
        join_tables(tables)


def test_state_missing_from_state_names(tables):
    tables["state_names"] = tables["state_names"].iloc[1:]
    with pytest.raises(
        EmbedlabError, match=r"state_names\.csv has no StateName for 1 State values \(e\.g\. BY\)"
    ):
        join_tables(tables)


def test_weather_without_a_state(tables):
    weather = tables["weather"]
    tables["weather"] = weather[weather["file"] != "Bayern"]
    with pytest.raises(
        EmbedlabError,
        match=r"weather\.csv has no row for 2 \(StateName, Date\) values "
        r"\(e\.g\. Bayern 2015-07-31, Bayern 2015-07-30\) needed by 2 rows of train\.csv",
    ):
        join_tables(tables)


def test_test_row_for_unknown_store(tables):
    test = tables["test"]
    tables["test"] = pd.concat([test, test.iloc[:1].assign(Id=5, Store=9)], ignore_index=True)
    with pytest.raises(
        EmbedlabError,
        match=r"store\.csv has no row for 1 Store values \(e\.g\. 9\) needed by 1 rows of test\.csv",
    ):
        join_tables(tables)


def test_duplicate_key_on_the_right(tables):
    states = tables["store_states"]
    tables["store_states"] = pd.concat([states, states.iloc[1:]], ignore_index=True)
    with pytest.raises(
        EmbedlabError, match=r"store_states\.csv has 2 rows sharing their Store .*\(e\.g\. 2\)"
    ):
        join_tables(tables)


def test_missing_trend_week(tables):
    trend = tables["googletrend"]
    tables["googletrend"] = trend[~trend["week"].str.startswith("2015-08-02")]
    with pytest.raises(
        EmbedlabError,
        match=r"googletrend\.csv has no trend for 2 \(State, week_start\) values .* test\.csv",
    ):
        join_tables(tables)


def test_trend_week_must_run_sunday_to_saturday(tables):
    trend = tables["googletrend"]
    shifted = trend["week"].str.replace("2015-08-02 - 2015-08-08", "2015-08-03 - 2015-08-09")
    tables["googletrend"] = trend.assign(week=shifted)
    with pytest.raises(EmbedlabError, match=r"googletrend\.csv: 3 week values are not Sunday-to-Saturday"):
        join_tables(tables)
    tables["googletrend"] = trend.assign(week=trend["week"].str.replace(" - ", " to "))
    with pytest.raises(EmbedlabError, match=r"googletrend\.csv: 6 week values .*'2015-07-26 to 2015-08-01'"):
        join_tables(tables)
