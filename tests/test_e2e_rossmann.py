"""The Rossmann pipeline end to end on the real tables, with a small model and one epoch."""
from __future__ import annotations

import json

import mlflow
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.e2e


def test_rossmann_repro_writes_metrics_submission_and_run(project):
    project.set_params(**{
        "rossmann.train.epochs": 1, "rossmann.train.layers": [64], "rossmann.train.dropouts": [0.01],
        "rossmann.train.max_train_rows": 20000, "rossmann.evaluate.gbm_max_iter": 10,
    })
    project.commit("small model")
    project.run("dvc", "repro", "rossmann_evaluate", "rossmann_predict")

    metrics = json.loads((project.path / "eval/rossmann/metrics.json").read_text())
    assert (metrics["valid_start"], metrics["valid_end"]) == ("2014-08-01", "2014-09-17")
    # even one small epoch must beat predicting nothing, and the baselines must be real scores
    for key in ("rmspe", "baseline_store_weekday_median", "baseline_gradient_boosting"):
        assert 0 < metrics[key] < 1, (key, metrics)

    submission = pd.read_csv(project.path / "data/rossmann/submission.csv")
    test = pd.read_csv(project.path / "data/raw/rossmann/test.csv", usecols=["Id", "Open"])
    assert list(submission.columns) == ["Id", "Sales"]
    assert len(submission) == 41_088
    assert sorted(submission["Id"]) == sorted(test["Id"])
    assert submission["Sales"].notna().all() and (submission["Sales"] >= 0).all()
    merged = submission.merge(test, on="Id")
    assert (merged.loc[merged["Open"] == 0, "Sales"] == 0).all()
    assert (merged.loc[merged["Open"].isna(), "Sales"] > 0).all()  # missing Open counts as open
    assert (merged.loc[merged["Open"] == 1, "Sales"] > 0).all()

    [run] = project.runs("rossmann")
    assert run.info.status == "FINISHED"
    assert run.data.params["rossmann.train.max_train_rows"] == "20000"
    assert "split.misleading" not in run.data.tags
    assert run.data.metrics["final_rmspe"] == pytest.approx(metrics["rmspe"])
    history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "valid_rmspe")
    assert [m.step for m in history] == [1]
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    width = model.metadata.get_input_schema().inputs[0].shape[1]
    example = np.zeros((2, width), dtype=np.float32)
    assert model.predict(example).shape == (2,)
