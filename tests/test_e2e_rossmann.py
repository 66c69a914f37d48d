"""The Rossmann pipeline end to end on the real tables, with a small model and one epoch, and its
logged model serving raw test.csv rows."""
from __future__ import annotations

import json

import mlflow
import numpy as np
import pandas as pd
import pytest

import dvc_plots
from embedlab.rossmann.submission import submission as make_submission

pytestmark = pytest.mark.e2e
TARGETS = ("rossmann_evaluate", "rossmann_baselines", "rossmann_predict")


@pytest.fixture(scope="module")
def trained(new_project):
    project = new_project()
    project.set_params(**{
        "rossmann.train.epochs": 1, "rossmann.train.sgdr_after": 0, "rossmann.train.layers": [64],
        "rossmann.train.dropouts": [0.01],
        "rossmann.train.max_train_rows": 20000, "rossmann.baselines.gbm_max_iter": 10,
    })
    project.commit("small model")
    project.run("dvc", "repro", *TARGETS)
    return project


def _raw_test(project) -> pd.DataFrame:
    return pd.read_csv(project.path / "data/raw/rossmann/test.csv")  # as a client reads it


def test_rossmann_repro_writes_metrics_submission_and_run(trained):
    project = trained
    metrics = json.loads((project.path / "eval/rossmann/metrics.json").read_text())
    metrics.update(json.loads((project.path / "eval/rossmann/baselines.json").read_text()))
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

    [run] = project.runs("rossmann", kind="training")
    assert run.info.status == "FINISHED"
    assert run.data.params["rossmann.train.max_train_rows"] == "20000"
    assert "split.misleading" not in run.data.tags
    assert run.data.metrics["final_rmspe"] == pytest.approx(metrics["rmspe"])
    # the default ensemble: two networks of one epoch each, their epochs numbered on
    client = mlflow.MlflowClient()
    assert [m.step for m in client.get_metric_history(run.info.run_id, "valid_rmspe")] == [1, 2]
    assert [m.value for m in client.get_metric_history(run.info.run_id, "member")] == [1, 2]


def test_logged_model_makes_the_submission_from_raw_test_rows(trained):
    """The model loaded back from MLflow carries its store tables, history and feature code."""
    [run] = trained.runs("rossmann", kind="training")
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    test = _raw_test(trained)
    ours = make_submission(test, model.predict(test)["Sales"].to_numpy())
    written = pd.read_csv(trained.path / "data/rossmann/submission.csv")
    assert ours["Id"].tolist() == written["Id"].tolist()
    assert np.allclose(ours["Sales"], written["Sales"])


def test_mlflow_models_serve_answers_test_rows(trained, serve_model):
    [run] = trained.runs("rossmann", kind="training")
    champion = mlflow.MlflowClient().get_model_version_by_alias("embedlab-rossmann", "champion")
    assert champion.run_id == run.info.run_id  # the committed default, after its evaluation
    server = serve_model(trained, "models:/embedlab-rossmann@champion")
    test = _raw_test(trained)
    served = pd.DataFrame(server.predictions(test))  # all of test.csv, one request
    assert list(served.columns) == ["Sales"] and len(served) == len(test)
    written = pd.read_csv(trained.path / "data/rossmann/submission.csv").set_index("Id")["Sales"]
    assert np.allclose(served["Sales"].to_numpy(), written.loc[test["Id"]].to_numpy())
    assert (served.loc[test["Open"] == 0, "Sales"] == 0).all()
    assert (served.loc[test["Open"] != 0, "Sales"] > 0).all()

    status, answer = server.post(test.head(2).assign(Store=99999))
    assert status == 400 and "store.csv has no row for 1 Store values" in answer["message"]


def test_plots_render_with_their_axes(trained):
    shown = dvc_plots.show(trained.path, ["Rossmann learning curves", "eval/rossmann/plots"], trained.env)
    assert dvc_plots.problems(shown) == []


def test_an_edit_to_the_features_outdates_the_training_and_its_evaluation(trained):
    """dvc.yaml's deps follow the imports: features.py runs in the network's preprocessing (its column
    lists), so an edit to it outdates every stage after the features, and nothing before."""
    assert trained.outdated(*TARGETS) == set(), trained.run("dvc", "status").stdout
    features = trained.path / "src/embedlab/rossmann/features.py"
    source = features.read_text()
    features.write_text(source + "\n# an edit\n")
    try:
        outdated = trained.outdated(*TARGETS)
    finally:
        features.write_text(source)
    assert {"rossmann_features", "rossmann_train", "rossmann_evaluate", "rossmann_predict",
            "rossmann_baselines"} <= outdated
    assert "rossmann_join" not in outdated and "download@rossmann" not in outdated
    assert trained.outdated(*TARGETS) == set()
