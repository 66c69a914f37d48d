"""`embedlab-tour`: all three tasks end to end as one DVC experiment in a temporary copy; its runs
land in the root store under its name; the workspace's results stay as they were; and a tour's
run is never a task's latest for `embedlab-reproduce`."""
from __future__ import annotations

import json
import sys

import mlflow
import pytest
import yaml

from embedlab import reproduce
from embedlab.errors import EmbedlabError

pytestmark = pytest.mark.e2e
NAME = "tour-test"
TASKS = ("movielens", "rossmann", "imdb")
# the committed tour, smaller still: this checks the wiring; the README gives the real tour's time
SMALLER = {"rossmann.train.max_train_rows": 5000, "rossmann.baselines.gbm_max_iter": 5,
           "rossmann.dropout_study.train.max_train_rows": 2000,
           "imdb.vocab.labelled_reviews": 200, "imdb.vocab.lm_unsup_reviews": 100, "imdb.vocab.max_size": 2000,
           "imdb.lm.emb_size": 16, "imdb.lm.hidden": 24, "imdb.lm.max_tokens": 20000, "imdb.classifier.max_len": 40,
           "imdb.baselines.tfidf_max_features": 2000}


@pytest.fixture(scope="module")
def toured(new_project):
    project = new_project()
    params = yaml.safe_load((project.path / "params.yaml").read_text())
    params["tour"].update(SMALLER)
    (project.path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    # a result in the workspace for the tour to leave alone, at other settings than the tour's (at
    # the same, the tour would take it from the cache and train nothing)
    project.run("dvc", "repro", "movielens_evaluate")
    project.commit("smaller tour; a workspace result")
    before = (project.path / "eval/movielens/metrics.json").read_bytes()
    done = project.run(sys.executable, "-m", "embedlab.tour", "--name", NAME)
    return project, before, done


def test_the_tour_runs_every_task_as_one_experiment(toured):
    project, _, done = toured
    shown = json.loads(project.run("dvc", "exp", "show", "--json").stdout)
    experiments = {exp["name"]: exp for baseline in shown for exp in (baseline.get("experiments") or [])}
    assert NAME in experiments, list(experiments)
    data = experiments[NAME]["revs"][0]["data"]
    assert data["params"]["params.yaml"]["data"]["rossmann"]["train"]["max_train_rows"] == 5000
    for task in TASKS:
        assert data["metrics"][f"eval/{task}/metrics.json"]["data"], task
    assert f"tour {NAME} done" in done.stdout


def test_the_workspace_keeps_its_results(toured):
    project, before, _ = toured
    assert (project.path / "eval/movielens/metrics.json").read_bytes() == before
    assert not (project.path / "eval/rossmann").exists() and not (project.path / "eval/imdb").exists()
    assert project.run("git", "status", "--porcelain").stdout == ""
    assert project.outdated("movielens_evaluate") == set()


def test_tour_runs_are_tracked_by_name_and_never_a_tasks_latest(toured):
    project, _, _ = toured
    for task in TASKS:
        trainings = project.runs(task, kind="training")
        tour = [r for r in trainings if r.data.tags.get("dvc.exp_name") == NAME]
        assert tour and all(r.info.status == "FINISHED" and r.info.run_name.startswith(NAME) for r in tour), task
    client = mlflow.MlflowClient()  # project.runs pointed MLflow at the project's store
    workspace_run = [r for r in project.runs("movielens", kind="training") if "dvc.exp_name" not in r.data.tags]
    assert reproduce.find_run(client, "movielens").info.run_id == workspace_run[-1].info.run_id
    with pytest.raises(EmbedlabError, match="no finished rossmann training run"):
        reproduce.find_run(client, "rossmann")
