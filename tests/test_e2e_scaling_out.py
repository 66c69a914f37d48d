"""Beyond one machine, for real: a `mlflow server` (SQLite backend, artifacts served by the server)
that a pipeline and two queued experiments log to, and a DVC remote in a local folder that clones
pull from and then evaluate, with the first machine's MLflow store out of reach or shared."""
from __future__ import annotations

import csv

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from embedlab.movielens import pipeline

pytestmark = pytest.mark.e2e
TARGETS = ("movielens_evaluate", "movielens_interpret")
GRID = {"lr-high": "0.02", "lr-low": "0.002"}
PAIRS = pd.DataFrame({"userId": [1, 2], "movieId": [1, 5]})


@pytest.fixture(scope="module")
def origin(new_project, mlflow_server, tmp_path_factory):
    """The first machine: the committed default against the server, pushed to a DVC remote, then a
    grid of two experiments queued and run by two workers at once."""
    project = new_project()
    project.env["MLFLOW_TRACKING_URI"] = mlflow_server
    project.set_params(**{"movielens.train.epochs": 1, "movielens.train.batch_size": 512})
    project.run("dvc", "remote", "add", "-d", "shared", str(tmp_path_factory.mktemp("dvc-remote")))
    project.commit("small model, a shared remote")
    project.run("dvc", "repro", *TARGETS)
    project.commit("results")
    project.run("dvc", "push")
    for name, lr in GRID.items():
        project.run("dvc", "exp", "run", "--queue", "--name", name, "-S", f"movielens.train.lr={lr}", *TARGETS)
    project.start_queue(2)
    status = project.wait_for_queue()
    assert status.count("Success") == 2, status + "".join(
        project.run("dvc", "queue", "logs", name, check=False).stdout[-3000:] for name in GRID)
    return project


def _client(server: str) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=server, registry_uri=server)


def _server_runs(server: str, kind: str) -> list:
    client = _client(server)
    exp = client.get_experiment_by_name("movielens")
    runs = client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"])
    return [r for r in runs if r.data.tags.get("kind") == kind]


def _training_md5(project) -> str:
    lock = yaml.safe_load((project.path / "dvc.lock").read_text())
    [model] = [out for out in lock["stages"]["movielens_train"]["outs"] if out["path"] == str(pipeline.MODEL)]
    return model["md5"]


def test_the_pipeline_and_the_queued_grid_land_complete_on_the_server(origin, mlflow_server):
    client = _client(mlflow_server)
    runs = _server_runs(mlflow_server, "training")
    assert len(runs) == 3, [r.data.tags.get("mlflow.runName") for r in runs]
    default, *grid = runs
    assert "dvc.exp_name" not in default.data.tags
    assert {r.data.tags["dvc.exp_name"] for r in grid} == set(GRID)
    for run in runs:
        assert run.info.status == "FINISHED"
        assert run.info.artifact_uri.startswith("mlflow-artifacts:/")  # stored by the server, not here
        assert "final_rmse" in run.data.metrics  # evaluation, another process, found the run there
        files = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"history.csv", "evaluation", "interpretation"} <= files, files
        evaluation = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
        assert "evaluation/metrics.json" in evaluation
    # the grid's trials are challengers; only the committed default is the champion
    assert client.get_model_version_by_alias("embedlab-movielens", "champion").run_id == default.info.run_id
    assert client.get_model_version_by_alias("embedlab-movielens", "challenger").run_id in \
        {r.info.run_id for r in grid}


def test_the_champion_is_served_from_the_server(origin, mlflow_server, serve_model):
    served = serve_model(origin, "models:/embedlab-movielens@champion", tracking_uri=mlflow_server)
    answer = pd.DataFrame(served.predictions(PAIRS))
    mlflow.set_tracking_uri(mlflow_server)
    local = mlflow.pyfunc.load_model("models:/embedlab-movielens@champion").predict(PAIRS)
    np.testing.assert_allclose(answer["rating"], local["rating"], rtol=1e-6)
    assert np.all((answer["rating"] > 0) & (answer["rating"] < 5.5))


def test_a_clone_evaluates_without_the_first_machines_store(origin, clone_project, tmp_path):
    clone = clone_project(origin, tmp_path / "clone", TARGETS)
    assert clone.outdated(*TARGETS) == set(), clone.run("dvc", "status").stdout  # all came from the remote
    clone.set_params(**{"movielens.interpret.top_n": 5})
    done = clone.run("dvc", "repro", *TARGETS)
    assert clone.ran(done) == {"movielens_interpret"}, done.stdout

    [run] = clone.runs("movielens")  # a new run in the clone's own store, linked to the training
    assert run.data.tags["kind"] == "evaluation" and run.info.status == "FINISHED"
    assert run.data.tags["model_md5"] == _training_md5(origin)
    assert run.data.tags["training.stage"] == "movielens_train"
    lock = yaml.safe_load((origin.path / "dvc.lock").read_text())
    data = {d["path"]: d["md5"] for d in lock["stages"]["movielens_train"]["deps"] if not d["path"].endswith(".py")}
    assert {k.removeprefix("training.data."): v for k, v in run.data.tags.items()
            if k.startswith("training.data.")} == data
    highest = mlflow.MlflowClient().download_artifacts(run.info.run_id, "interpretation/highest_bias.csv",
                                                       str(tmp_path))
    assert len(list(csv.reader(open(highest)))) == 1 + 5


def test_a_clone_sharing_the_server_logs_into_the_original_run(origin, mlflow_server, clone_project, tmp_path):
    before = {r.info.run_id for r in _client(mlflow_server).search_runs(
        [_client(mlflow_server).get_experiment_by_name("movielens").experiment_id])}
    clone = clone_project(origin, tmp_path / "clone", TARGETS, tracking_uri=mlflow_server)
    clone.set_params(**{"movielens.interpret.top_n": 7})
    done = clone.run("dvc", "repro", *TARGETS)
    assert clone.ran(done) == {"movielens_interpret"}, done.stdout
    client = _client(mlflow_server)
    after = {r.info.run_id for r in client.search_runs([client.get_experiment_by_name("movielens").experiment_id])}
    assert after == before  # no new run
    default = _server_runs(mlflow_server, "training")[0]
    highest = client.download_artifacts(default.info.run_id, "interpretation/highest_bias.csv", str(tmp_path))
    assert len(list(csv.reader(open(highest)))) == 1 + 7  # the clone's interpretation, in the original run
