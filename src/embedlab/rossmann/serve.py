"""Rows shaped like test.csv in, Sales out: the model with the store tables and the training history
its features need, as an MLflow model that `mlflow models serve` runs.

A row is joined and given its features by the pipeline's own code (join_rows, features_after), so
Kaggle's test rows get the Sales that rossmann_predict writes for them. The event features look at the
other rows of the same store up to a week ahead (holidays up to a year): send a whole forecast
period in one request, as test.csv is, or its last days read as days without promos or holidays.
A row on a day the training history already has replaces that day of the history.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from embedlab import serving
from embedlab.errors import EmbedlabError
from embedlab.rossmann import learner
from embedlab.rossmann.features import EVENT_KEYS, features_after
from embedlab.rossmann.join import join_rows, lookup_tables
from embedlab.rossmann.tables import SCHEMAS, parse_dates, read_table, state_holidays

LOOKUP_TABLES = ("store", "store_states", "state_names", "weather", "googletrend")
# test.csv's columns, typed as read_table types them; Id is optional: forecast rows have none
ROW_TYPES = {column: kind for column, kind in SCHEMAS["test"].items() if column != "Id"}
SOURCE = "the input"  # how errors name the rows given


@dataclass(frozen=True)
class SalesModel:
    network: learner.SalesNetwork
    lookups: tuple[pd.DataFrame, ...]  # lookup_tables' stores, weather, trends, trend_de
    history: pd.DataFrame  # EVENT_KEYS of every training row


def load_sales_model(files: dict[str, str]) -> SalesModel:
    """From the files written_artifacts names (an MLflow model's artifacts)."""
    tables = {name: pd.read_parquet(files[name]) for name in LOOKUP_TABLES}
    return SalesModel(learner.load(Path(files["model"])), lookup_tables(tables), pd.read_parquet(files["history"]))


def predict_rows(sales_model: SalesModel, rows: pd.DataFrame) -> np.ndarray:
    """Sales for each row of `rows` (test.csv's columns), in their order; as SalesNetwork.predict,
    a closed day (Open == 0) is 0 and a missing Open counts as open."""
    typed = typed_rows(rows)
    joined = join_rows(typed, SOURCE, *sales_model.lookups)
    featured = features_after(_without_days_of(sales_model.history, typed), joined)
    return sales_model.network.predict(featured)


def typed_rows(rows: pd.DataFrame) -> pd.DataFrame:
    missing = [column for column in ROW_TYPES if column not in rows]
    if missing:
        raise EmbedlabError(f"{SOURCE} lacks column(s) {', '.join(missing)}; send test.csv's columns")
    plain = {column: kind for column, kind in ROW_TYPES.items() if column not in ("Date", "StateHoliday")}
    try:
        typed = rows[list(ROW_TYPES)].reset_index(drop=True).astype(plain)
    except (TypeError, ValueError) as err:
        raise EmbedlabError(f"{SOURCE} does not fit test.csv's column types ({err})") from None
    # strings, as in the CSV, so that only YYYY-MM-DD passes and 0 means the code '0'
    return typed.assign(Date=parse_dates(typed["Date"].astype(str), SOURCE),
                        StateHoliday=state_holidays(typed["StateHoliday"].astype(str), SOURCE))


def _without_days_of(history: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    if rows["Date"].min() > history["Date"].max():  # the usual case: a forecast after training
        return history
    keys = ["Store", "Date"]
    return history[~pd.MultiIndex.from_frame(history[keys]).isin(pd.MultiIndex.from_frame(rows[keys]))]


class StoreSales(mlflow.pyfunc.PythonModel):
    """Serves `predict_rows`: test.csv's columns in, a `Sales` column out."""

    def load_context(self, context):
        self.sales_model = load_sales_model(context.artifacts)

    def predict(self, context, model_input: pd.DataFrame, params=None):
        try:
            sales = predict_rows(self.sales_model, model_input)
        except EmbedlabError as err:  # the server answers 400 with this message, not a traceback
            raise MlflowException.invalid_parameter_value(str(err)) from err
        return pd.DataFrame({"Sales": sales})


@contextmanager
def written_artifacts(model_path: Path, raw: Path, train: pd.DataFrame) -> Iterator[dict[str, str]]:
    """The files a served model needs, as MLflow's artifacts mapping: the model file, the lookup
    tables of the raw folder and the event keys of `train` (the training rows) as compact parquet;
    they last as long as the context."""
    with tempfile.TemporaryDirectory() as folder:
        files = {"model": str(model_path)}
        for name in (*LOOKUP_TABLES, "history"):
            files[name] = str(Path(folder) / f"{name}.parquet")
        for name in LOOKUP_TABLES:
            read_table(raw / f"{name}.csv", SCHEMAS[name]).to_parquet(files[name], index=False)
        history = train[EVENT_KEYS].sort_values(["Store", "Date"], ignore_index=True)
        history.to_parquet(files["history"], index=False, compression="zstd")
        yield files


def signature(example: pd.DataFrame) -> ModelSignature:
    """The example's columns (test.csv's, as pandas reads the file) with Id optional; Sales out."""
    return serving.signature(example, pd.DataFrame({"Sales": [0.0]}), optional=("Id",))


def log_sales_model(model_path: Path, raw: Path, train: pd.DataFrame, name: str = "model") -> None:
    """Log the model saved at model_path with the lookup tables of `raw` (the extracted archive)
    and the history of `train`; a few test.csv rows, one closed and one without Open, are the
    input example."""
    test = pd.read_csv(raw / "test.csv")  # as a client would read it
    example = pd.concat([test.head(2), test[test["Open"] == 0].head(1), test[test["Open"].isna()].head(1)],
                        ignore_index=True)
    with written_artifacts(model_path, raw, train) as files:
        serving.log_pyfunc(StoreSales(), artifacts=files, input_example=example,
                           signature=signature(example), name=name)
