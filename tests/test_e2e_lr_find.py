"""The learning-rate finder's on-demand stages, end to end: real DVC and MLflow on a copy of the
project, MovieLens from the mirror (the smallest real data; the other tasks' stages share its code)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import mlflow
import pytest

import dvc_plots

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
STAGE = "lr_find/dvc.yaml:lr_find_movielens"


@pytest.fixture(scope="module")
def found(new_project):
    project = new_project()
    shutil.copytree(ROOT / "lr_find", project.path / "lr_find", ignore=shutil.ignore_patterns("dvc.lock"))
    project.set_params(**{"lr_find.batches.movielens": 300})
    project.commit("lr finder stages, fewer steps")
    return project, project.run("dvc", "repro", STAGE)


def test_the_default_pipeline_does_not_run_it(found):
    project, _ = found
    project.set_params(**{"lr_find.batches.movielens": 200})  # out of date now, and still left alone
    # --keep-going: a dry run stops at the first stage whose input no stage has made yet
    would_run = project.run("dvc", "repro", "--dry", "--keep-going", check=False).stdout
    project.run("git", "checkout", "params.yaml")
    assert "Running stage 'movielens_train'" in would_run and "Running stage 'lr_find" not in would_run


def test_one_tagged_run_per_model_and_no_training(found):
    project, done = found
    assert project.ran(done) == {"download@movielens", "movielens_prepare", "movielens_split", STAGE}
    runs = project.runs("movielens")
    assert {r.data.tags["kind"] for r in runs} == {"lr_find"}  # never taken for a training
    assert sorted(r.info.run_name for r in runs) == ["lr finder: movielens dot", "lr finder: movielens neural"]
    summary = json.loads((project.path / "eval/lr_find/movielens.json").read_text())
    for run in runs:
        model = run.info.run_name.split()[-1]
        assert run.info.status == "FINISHED"
        assert run.data.metrics["lr_steepest"] == pytest.approx(summary[model]["steepest"])
        assert run.data.metrics["lr_min_over_10"] == pytest.approx(summary[model]["min_over_10"])
        assert run.data.params["lr_find.batches.movielens"] == "300"
        artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id)}
        assert artifacts == {f"{model}.csv", f"{model}.png"}
        # the curve falls somewhere before the rate it suggests
        assert 1e-6 < summary[model]["steepest"] < 10 and summary[model]["trains_at"] == 0.005


def test_the_curves_render_as_dvc_plots_on_a_log_axis(found):
    project, _ = found
    shown = dvc_plots.show(project.path, ["eval/lr_find/movielens"], project.env)
    assert dvc_plots.problems(shown) == []
    curves = [item for items in shown["data"].values() for item in items if item["type"] == "vega"]
    assert len(curves) == 2 and len(shown["data"]) == 4  # two curves, two images
    assert dvc_plots.axes(curves[0]) == {"x": ("lr", "quantitative"), "y": ("loss", "quantitative")}
    assert curves[0]["content"]["encoding"]["x"]["scale"]["type"] == "log"


def test_it_reruns_only_for_what_it_depends_on(found):
    project, _ = found
    assert project.ran(project.run("dvc", "repro", STAGE)) == set()
    project.set_params(**{"movielens.train.batch_size": 128})
    assert project.outdated(STAGE) == {STAGE}
    project.run("git", "checkout", "params.yaml")


def test_an_experiment_tries_a_change_without_touching_the_workspace(found):
    project, _ = found
    project.commit("lr finder results")
    before = (project.path / "eval/lr_find/movielens.json").read_text()
    project.run("dvc", "exp", "run", STAGE, "-n", "bigger-batches", "-S", "movielens.train.batch_size=256",
                "--temp")
    assert (project.path / "eval/lr_find/movielens.json").read_text() == before
    shown = json.loads(project.run("dvc", "exp", "show", "--json").stdout)
    assert "bigger-batches" in json.dumps(shown)
    runs = project.runs("movielens", kind="lr_find")
    assert len(runs) == 4 and sum(r.info.run_name.startswith("bigger-batches: ") for r in runs) == 2
