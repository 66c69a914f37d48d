"""The MovieLens pipeline end to end: real `dvc repro` on the mirror, a real MLflow SQLite store."""
from __future__ import annotations

import json

import mlflow
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.e2e
TARGETS = ("movielens_evaluate", "movielens_interpret")
# MovieLens's own ids; user 999999 and movie 0 are in no release
PAIRS = pd.DataFrame({"userId": [1, 2, 999999, 1], "movieId": [1, 5, 1, 0]})


@pytest.fixture(scope="module")
def repro(new_project):
    project = new_project()
    project.set_params(**{"movielens.train.epochs": 2, "movielens.train.batch_size": 256})
    project.commit("small epochs")
    first = project.run("dvc", "repro", *TARGETS)
    return project, first


def _runs(project):
    return project.runs("movielens")


def test_repro_logs_one_complete_run(repro):
    project, _ = repro
    [run] = _runs(project)
    assert run.info.status == "FINISHED"
    assert run.info.artifact_uri.startswith((project.path / "mlartifacts").as_uri())
    params = run.data.params
    assert params["movielens.train.epochs"] == "2"
    assert params["movielens.split.valid_frac"] == "0.2"
    assert params["download.movielens.url"].endswith("ml-latest-small.zip")
    head = project.run("git", "rev-parse", "HEAD").stdout.strip()
    assert run.data.tags["git.commit"] == head
    assert run.data.tags["git.dirty"] == "false"

    client = mlflow.MlflowClient()
    for name in ("train_loss", "valid_loss", "valid_rmse"):
        assert [m.step for m in client.get_metric_history(run.info.run_id, name)] == [1, 2]
    metrics = json.loads((project.path / "eval/movielens/metrics.json").read_text())
    assert run.data.metrics["final_rmse"] == pytest.approx(metrics["model"]["rmse"])
    # evaluation reloads the saved model: it must score what training's last epoch scored
    assert run.data.metrics["valid_rmse"] == pytest.approx(metrics["model"]["rmse"], rel=1e-5)
    assert metrics["model"]["rmse"] < metrics["baseline_global_mean"]["rmse"]

    contexts = {i.dataset.name: i.tags[0].value for i in run.inputs.dataset_inputs}
    assert contexts == {"movielens-train": "training", "movielens-valid": "validation"}
    assert all(len(i.dataset.digest) == 16 for i in run.inputs.dataset_inputs)

    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation/plots")}
    assert artifacts == {"evaluation/plots/learning_curves.png", "evaluation/plots/predicted_vs_actual.png"}
    interp = {a.path for a in client.list_artifacts(run.info.run_id, "interpretation")}
    assert "interpretation/movie_factors_pca.png" in interp

    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    pred = model.predict(PAIRS)
    assert list(pred.columns) == ["rating"] and len(pred) == len(PAIRS)
    assert np.all((pred["rating"] > 0.0) & (pred["rating"] < 5.5))


def test_mlflow_models_serve_answers_pairs(repro, serve_model):
    project, _ = repro
    run = _runs(project)[0]
    server = serve_model(project, run.info.run_id)
    served = pd.DataFrame(server.predictions(PAIRS))
    assert list(served.columns) == ["rating"] and len(served) == len(PAIRS)
    assert np.all((served["rating"] > 0.0) & (served["rating"] < 5.5))
    local = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model").predict(PAIRS)
    np.testing.assert_allclose(served["rating"], local["rating"], rtol=1e-6)
    status, answer = server.post(PAIRS.drop(columns="movieId"))
    assert status == 400 and "movieId" in answer["message"]


def test_second_repro_runs_nothing(repro):
    project, _ = repro
    again = project.run("dvc", "repro", *TARGETS)
    assert "Running stage" not in again.stdout, again.stdout
    assert len(_runs(project)) == 1


def test_param_change_reruns_training_and_adds_runs(repro):
    project, first = repro
    project.run("git", "add", "-A")
    project.commit("first run")
    project.set_params(**{"movielens.train.lr": 0.01})
    second = project.run("dvc", "repro", *TARGETS)
    ran = {line.split("'")[1] for line in second.stdout.splitlines() if line.startswith("Running stage")}
    assert ran == {"movielens_train", "movielens_evaluate", "movielens_interpret"}
    assert len(_runs(project)) == 2
    diff = json.loads(project.run("dvc", "metrics", "diff", "--json").stdout)
    assert "model.rmse" in diff["eval/movielens/metrics.json"]

    project.run("git", "checkout", "params.yaml")
    project.run("dvc", "exp", "run", "--temp", "-n", "lr-02", "-S", "movielens.train.lr=0.02", *TARGETS)
    runs = _runs(project)
    assert len(runs) == 3
    newest = runs[-1]
    assert newest.info.status == "FINISHED"
    assert newest.data.params["movielens.train.lr"] == "0.02"
    assert newest.data.tags.get("dvc.exp_name") == "lr-02"
    assert newest.info.artifact_uri.startswith((project.path / "mlartifacts").as_uri())
    shown = project.run("dvc", "exp", "show", "--json").stdout
    assert "lr-02" in shown
