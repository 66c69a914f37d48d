"""The MovieLens dropout study and the report end to end: real `dvc repro`, real training, a real
MLflow store."""
from __future__ import annotations

import json

import mlflow
import pandas as pd
import pytest

import dvc_plots

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def study(new_project):
    project = new_project()
    project.set_params(**{"movielens.dropout_study.train": {"model": "neural", "epochs": 2, "batch_size": 512}})
    project.commit("a short study")
    project.run("dvc", "repro", "movielens_dropout", "movielens_evaluate")
    return project


def test_one_row_per_setting_with_losses_and_gap(study):
    table = pd.read_csv(study.path / "eval/movielens/dropout/study.csv")
    assert table["setting"].tolist() == ["none", "lesson", "heavy"]
    assert (table["gap"] == table["valid_loss"] - table["train_loss_eval"]).all()
    # with no dropout, training with and without it is the same network: the two losses differ
    # only because one is averaged while the weights move; with dropout on it costs training loss
    heavy = table.set_index("setting").loc["heavy"]
    assert heavy["train_loss"] > heavy["train_loss_eval"]
    curves = pd.read_csv(study.path / "eval/movielens/dropout/curves.csv")
    assert len(curves) == 3 * 2 and set(curves["setting"]) == set(table["setting"])
    for name in ("study.png", "curves.png"):
        assert (study.path / "eval/movielens/dropout" / name).stat().st_size > 10_000


def test_the_study_is_one_parent_run_with_a_child_per_setting(study):
    runs = study.runs("movielens")
    [parent] = [r for r in runs if r.info.run_name == "dropout study"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert sorted(r.data.tags["dropout.setting"] for r in children) == ["heavy", "lesson", "none"]
    assert all(r.info.status == "FINISHED" for r in [parent, *children])
    heavy = next(r for r in children if r.data.tags["dropout.setting"] == "heavy")
    assert heavy.data.params["movielens.train.hidden_dropout"] == "0.8"
    assert heavy.data.params["movielens.train.model"] == "neural"
    steps = [m.step for m in mlflow.MlflowClient().get_metric_history(heavy.info.run_id, "valid_loss")]
    assert steps == [1, 2]
    table = pd.read_csv(study.path / "eval/movielens/dropout/study.csv").set_index("setting")
    assert parent.data.metrics["heavy_gap"] == pytest.approx(table.loc["heavy", "gap"])
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(parent.info.run_id, "dropout_study")}
    assert "dropout_study/study.png" in artifacts and "dropout_study/study.csv" in artifacts


def test_dvc_draws_the_study_with_its_axes(study):
    shown = dvc_plots.show(study.path, ["MovieLens dropout study", "eval/movielens/dropout/study.csv",
                                        "eval/movielens/dropout/study.png", "eval/movielens/dropout/curves.png"],
                           study.env)
    assert dvc_plots.problems(shown) == []
    assert dvc_plots.axes(shown["data"]["eval/movielens/dropout/study.csv"][0]) == \
        {"x": ("gap", "quantitative"), "y": ("setting", "nominal")}
    [curves] = shown["data"]["MovieLens dropout study"]  # a line per setting, coloured by it
    assert dvc_plots.axes(curves)["x"] == ("epoch", "quantitative")
    assert {row["setting"] for row in curves["content"]["data"]["values"]} == {"none", "lesson", "heavy"}


def test_the_report_shows_what_ran_and_logs_itself(study):
    # `dvc repro report` needs all three tasks; the stage itself copes with the ones not run yet
    study.run("python", "stages/report.py")
    text = (study.path / "eval/report/report.md").read_text()
    rmse = json.loads((study.path / "eval/movielens/metrics.json").read_text())["model"]["rmse"]
    assert f"**model.rmse: {rmse:.4f}**" in text
    assert "| heavy | emb_dropout 0.5, hidden_dropout 0.8 |" in text
    assert text.count("Not run yet") == 2
    for image in ("movielens_learning_curves.png", "movielens_study.png"):
        assert f"]({image})" in text and (study.path / "eval/report" / image).is_file()
    [run] = study.runs("report")
    files = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "report")}
    assert {"report/report.md", "report/movielens_study.png"} <= files
    [training] = study.runs("movielens", kind="training")
    assert run.data.tags["movielens.run_id"] == training.info.run_id

    # the report depends on its inputs only: run again on the same inputs, it writes the same bytes
    before = {path.name: path.read_bytes() for path in (study.path / "eval/report").iterdir()}
    study.commit("results")
    study.run("python", "stages/report.py")
    assert {path.name: path.read_bytes() for path in (study.path / "eval/report").iterdir()} == before
