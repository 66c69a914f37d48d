"""The MovieLens pipeline end to end: real `dvc repro` on the mirror, a real MLflow SQLite store."""
from __future__ import annotations

import hashlib
import json

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

import dvc_plots
from embedlab.movielens import pipeline

pytestmark = pytest.mark.e2e
TARGETS = ("movielens_evaluate", "movielens_baselines", "movielens_interpret")
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
    return project.runs("movielens", kind="training")


def test_repro_logs_one_complete_run(repro):
    project, _ = repro
    [run] = _runs(project)
    model_md5 = hashlib.md5((project.path / pipeline.MODEL).read_bytes()).hexdigest()
    assert run.data.tags["model_md5"] == model_md5  # how evaluation found the run: no run id in any output
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
    metrics = json.loads((project.path / pipeline.METRICS).read_text())
    baselines = json.loads((project.path / pipeline.BASELINES).read_text())
    assert run.data.metrics["final_rmse"] == pytest.approx(metrics["model"]["rmse"])
    # evaluation reloads the saved model: it must score what training's last epoch scored
    assert run.data.metrics["valid_rmse"] == pytest.approx(metrics["model"]["rmse"], rel=1e-5)
    assert metrics["model"]["rmse"] < baselines["baseline_global_mean"]["rmse"]
    [baseline_run] = project.runs("movielens", kind="baselines")
    assert baseline_run.data.metrics["baseline_biases_rmse"] == pytest.approx(baselines["baseline_biases"]["rmse"])

    inputs = {i.dataset.name: {t.key: t.value for t in i.tags} for i in run.inputs.dataset_inputs}
    assert {name: tags["mlflow.data.context"] for name, tags in inputs.items()} == \
        {"movielens-train": "training", "movielens-valid": "validation"}
    # the release the download check recognised, on the run and on each dataset it logged
    assert run.data.tags["data.release"] == "ml-latest-small 2018-09"
    assert {tags["release"] for tags in inputs.values()} == {"ml-latest-small 2018-09"}
    assert all(len(i.dataset.digest) == 16 for i in run.inputs.dataset_inputs)

    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation/plots")}
    assert artifacts == {"evaluation/plots/learning_curves.png", "evaluation/plots/predicted_vs_actual.png"}
    interp = {a.path for a in client.list_artifacts(run.info.run_id, "interpretation")}
    assert "interpretation/movie_factors_pca.png" in interp

    # registered after its evaluation, as the committed default: the champion, with its metrics
    champion = client.get_model_version_by_alias("embedlab-movielens", "champion")
    assert champion.run_id == run.info.run_id
    assert champion.source.startswith("models:/m-")  # the logged model itself, not a copy of its files
    logged = {m.key: m.value for m in mlflow.get_logged_model(champion.source.removeprefix("models:/")).metrics}
    assert logged["final_rmse"] == pytest.approx(metrics["model"]["rmse"])
    model = mlflow.pyfunc.load_model("models:/embedlab-movielens@champion")
    pred = model.predict(PAIRS)
    assert list(pred.columns) == ["rating"] and len(pred) == len(PAIRS)
    assert np.all((pred["rating"] > 0.0) & (pred["rating"] < 5.5))


def test_mlflow_models_serve_answers_pairs(repro, serve_model):
    project, _ = repro
    run = _runs(project)[0]
    server = serve_model(project, "models:/embedlab-movielens@champion")
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


def test_plots_render_with_their_axes(repro):
    project, _ = repro
    shown = dvc_plots.show(project.path, ["MovieLens learning curves", str(pipeline.PLOTS)], project.env)
    assert dvc_plots.problems(shown) == []
    assert len(shown["data"]) == 3  # the curves, and the two images of the plots folder
    assert dvc_plots.axes(shown["data"]["MovieLens learning curves"][0])["x"] == ("epoch", "quantitative")


def test_a_forced_retraining_writes_byte_identical_outputs(repro):
    """Same inputs, same bytes: no run id, time or float noise in any output but the training's cost
    record (its wall time, which is the point of it), so DVC sees no other change."""
    project, _ = repro
    project.commit("first run")
    again = project.run("dvc", "repro", "--force", *TARGETS)
    assert {"movielens_train", "movielens_evaluate", "movielens_interpret"} <= project.ran(again)
    changed = {line[3:] for line in project.run("git", "status", "--porcelain").stdout.splitlines()}
    assert changed <= {"dvc.lock", str(pipeline.COST)}  # every other output and eval/ file unchanged

    def without_cost(lock_text: str) -> dict:
        lock = yaml.safe_load(lock_text)
        for stage in lock["stages"].values():
            stage["outs"] = [out for out in stage.get("outs", []) if out["path"] != str(pipeline.COST)]
        return lock

    committed = project.run("git", "show", "HEAD:dvc.lock").stdout
    assert without_cost((project.path / "dvc.lock").read_text()) == without_cost(committed)
    assert len(_runs(project)) == 2  # a second run, which the evaluation found by the model's md5
    assert "final_rmse" in _runs(project)[-1].data.metrics
    champion = mlflow.MlflowClient().get_model_version_by_alias("embedlab-movielens", "champion")
    assert champion.run_id == _runs(project)[-1].info.run_id  # a committed default moves the champion


def test_a_code_edit_reruns_what_runs_that_code(repro):
    project, _ = repro
    models = project.path / "src/embedlab/movielens/models.py"
    models.write_text(models.read_text() + "\n# an edit\n")
    outdated = project.outdated(*TARGETS)
    assert {"movielens_train", "movielens_evaluate", "movielens_interpret"} <= outdated
    assert not outdated & {"movielens_split", "movielens_baselines"}  # they never run the network
    learner = project.path / "src/embedlab/movielens/learner.py"  # where a model predicts
    learner.write_text(learner.read_text().replace("    def predict(self, df: pd.DataFrame) -> np.ndarray:",
                                                   "    def predict(self, df: pd.DataFrame) -> np.ndarray:  # edited"))
    assert {"movielens_train", "movielens_evaluate"} <= project.outdated(*TARGETS)
    project.run("git", "checkout", "--", "src")
    assert project.outdated(*TARGETS) == set()


def test_param_change_reruns_training_and_adds_runs(repro):
    project, first = repro
    project.run("git", "add", "-A")
    project.commit("first run", allow_empty=True)
    runs_before = len(_runs(project))
    project.set_params(**{"movielens.train.lr": 0.01})
    second = project.run("dvc", "repro", *TARGETS)
    assert project.ran(second) == {"movielens_train", "movielens_evaluate", "movielens_interpret"}
    assert len(_runs(project)) == runs_before + 1
    diff = json.loads(project.run("dvc", "metrics", "diff", "--json").stdout)
    assert "model.rmse" in diff["eval/movielens/metrics.json"]
    # params.yaml differs from the commit: a trial, registered as challenger; the champion stays
    client = mlflow.MlflowClient()
    trial = _runs(project)[-1].info.run_id
    assert client.get_model_version_by_alias("embedlab-movielens", "challenger").run_id == trial
    assert client.get_model_version_by_alias("embedlab-movielens", "champion").run_id != trial

    project.run("git", "checkout", "params.yaml")
    project.run("dvc", "exp", "run", "--temp", "-n", "lr-02", "-S", "movielens.train.lr=0.02", *TARGETS)
    runs = _runs(project)
    assert len(runs) == runs_before + 2
    newest = runs[-1]
    assert newest.info.status == "FINISHED"
    assert newest.data.params["movielens.train.lr"] == "0.02"
    assert newest.data.tags.get("dvc.exp_name") == "lr-02"
    assert newest.info.artifact_uri.startswith((project.path / "mlartifacts").as_uri())
    shown = project.run("dvc", "exp", "show", "--json").stdout
    assert "lr-02" in shown
