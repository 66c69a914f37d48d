"""rossmann.serve on a two-store world: raw test rows in, the pipeline's own Sales out."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import PythonModelContext

from embedlab.rossmann import learner, preprocess
from embedlab.rossmann.config import TrainConfig
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS, EVENT_KEYS, build_features
from embedlab.rossmann.join import join_tables
from embedlab.rossmann.serve import StoreSales, signature, written_artifacts
from embedlab.rossmann.tables import WEATHER_MEASURES, read_tables

TRAIN_DAYS = pd.date_range("2015-07-06", "2015-07-31")
TEST_DAYS = pd.date_range("2015-08-01", "2015-08-09")


def _days(dates: pd.DatetimeIndex, store: int) -> pd.DataFrame:
    """One row per day: Promo on weekdays of odd weeks, a holiday on the 15th, closed on Sundays."""
    return pd.DataFrame({
        "Store": store, "DayOfWeek": dates.day_of_week + 1, "Date": dates.strftime("%Y-%m-%d"),
        "Open": (dates.day_of_week != 6).astype(int),
        "Promo": ((dates.isocalendar().week.to_numpy() % 2 == 1) & (dates.day_of_week < 5)).astype(int),
        "StateHoliday": np.where(dates.day == 15, "a", "0"), "SchoolHoliday": (dates.day < 10).astype(int),
    })


def write_world(folder) -> None:
    train = pd.concat([_days(TRAIN_DAYS, store) for store in (1, 2)], ignore_index=True)
    sales = 4000 + 1000 * train["Promo"] + 500 * train["Store"]
    train.insert(3, "Sales", np.where(train["Open"] == 1, sales, 0))
    train.insert(4, "Customers", train["Sales"] // 10)
    test = pd.concat([_days(TEST_DAYS, store) for store in (1, 2)], ignore_index=True)
    test.insert(0, "Id", np.arange(1, len(test) + 1))
    test["Open"] = test["Open"].astype("Int8")
    test.loc[3, "Open"] = pd.NA  # test.csv lacks Open on some rows
    days = TRAIN_DAYS.append(TEST_DAYS)
    weather = pd.concat([pd.DataFrame({"file": state, "Date": days.strftime("%Y-%m-%d"),
                                       **dict.fromkeys(WEATHER_MEASURES, 1.0), "Events": "Rain"})
                         for state in ("Bayern", "Niedersachsen")], ignore_index=True)
    weather["Mean_TemperatureC"] = np.arange(len(weather)) % 30
    sundays = pd.date_range("2015-07-05", "2015-08-09", freq="7D")
    weeks = [f"{s:%Y-%m-%d} - {s + pd.Timedelta(days=6):%Y-%m-%d}" for s in sundays]
    trend = pd.concat([pd.DataFrame({"file": f"Rossmann_DE{suffix}", "week": weeks,
                                     "trend": 50 + np.arange(len(weeks))})
                       for suffix in ("", "_NI", "_BY")], ignore_index=True)
    tables = {
        "train": train, "test": test, "weather": weather, "googletrend": trend,
        "store": pd.DataFrame({"Store": [1, 2], "StoreType": ["c", "a"], "Assortment": ["a", "c"],
                               "CompetitionDistance": [1270.0, None], "CompetitionOpenSinceMonth": [9, None],
                               "CompetitionOpenSinceYear": [2008, None], "Promo2": [0, 1],
                               "Promo2SinceWeek": [None, 13], "Promo2SinceYear": [None, 2010],
                               "PromoInterval": [None, "Jan,Apr,Jul,Oct"]}),
        "store_states": pd.DataFrame({"Store": [1, 2], "State": ["HB,NI", "BY"]}),
        "state_names": pd.DataFrame({"StateName": ["Bayern", "Niedersachsen"], "State": ["BY", "HB,NI"]}),
    }
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """(raw folder, pyfunc, model, preprocessor, test features) with an untrained seeded model:
    serving must reproduce the pipeline whatever the weights."""
    raw = tmp_path_factory.mktemp("rossmann")
    write_world(raw)
    train, test = build_features(*join_tables(read_tables(raw)))
    prep = preprocess.fit(train[train["Sales"] > 0], CATEGORICAL, CONTINUOUS)
    cfg = TrainConfig(emb_size_rule="lesson", emb_dropout=0.0, layers=(8,), dropouts=(0.0,),
                      y_range_factor=1.2, epochs=1, batch_size=8, lr=1e-3, weight_decay=0.0, seed=0,
                      max_train_rows=None, sgdr_after=None, betas=(0.9, 0.99), batchnorm=False,
                      emb_init="lesson", ensemble=1, precision="fp32")
    torch.manual_seed(0)
    model = learner.SalesNetwork(learner.build_model(cfg, prep, (0.0, 10.0)).eval(), cfg, prep)
    model.save(raw / "model.pt")
    pyfunc = StoreSales()
    with written_artifacts(raw / "model.pt", raw, train[EVENT_KEYS]) as files:
        pyfunc.load_context(PythonModelContext(files, None))
    return raw, pyfunc, model, prep, test


def test_raw_test_rows_get_what_the_pipeline_predicts(world):
    raw, pyfunc, model, prep, test = world
    rows = pd.read_csv(raw / "test.csv")
    out = pyfunc.predict(None, rows)
    assert list(out.columns) == ["Sales"] and len(out) == len(rows)
    np.testing.assert_allclose(out["Sales"], model.predict(test))
    assert (out.loc[rows["Open"] == 0, "Sales"] == 0).all()
    assert (out.loc[rows["Open"] != 0, "Sales"] > 0).all()  # missing Open counts as open
    # any order, and without Kaggle's Id (float32 sums may round differently in another row order)
    shuffled = rows.sample(frac=1, random_state=0).drop(columns="Id")
    np.testing.assert_allclose(pyfunc.predict(None, shuffled)["Sales"],
                               out["Sales"].to_numpy()[shuffled.index], rtol=1e-5)


def test_a_day_of_the_history_is_replaced_not_repeated(world):
    raw, pyfunc, _, _, _ = world
    rows = pd.read_csv(raw / "train.csv").drop(columns=["Sales", "Customers"]).head(3)
    assert len(pyfunc.predict(None, rows)) == 3


@pytest.mark.parametrize("change, message", [
    (lambda rows: rows.drop(columns="Promo"), "lacks column.*Promo"),
    (lambda rows: rows.assign(Store=99), "store.csv has no row for 1 Store values"),
    (lambda rows: rows.assign(Date="01.08.2015"), "Date values are not YYYY-MM-DD"),
    (lambda rows: rows.assign(StateHoliday="x"), "StateHoliday values are not one of"),
])
def test_bad_rows_are_one_line_errors_for_the_client(world, change, message):
    raw, pyfunc, _, _, _ = world
    with pytest.raises(MlflowException, match=message) as caught:
        pyfunc.predict(None, change(pd.read_csv(raw / "test.csv").head(2)))
    assert caught.value.get_http_status_code() == 400


def test_signature_is_test_csv_with_optional_id(world):
    raw, *_ = world
    inputs = signature(pd.read_csv(raw / "test.csv")).inputs
    assert inputs.input_names() == ["Id", "Store", "DayOfWeek", "Date", "Open", "Promo", "StateHoliday",
                                    "SchoolHoliday"]
    assert [spec.required for spec in inputs.inputs] == [False] + [True] * 7
