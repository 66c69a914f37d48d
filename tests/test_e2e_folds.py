"""ml-100k's official folds end to end: the documented `dvc exp run` of folds/dvc.yaml on an
ml-100k-shaped archive (built from real ratings: GroupLens is out of reach here) in a mirror, real
DVC and MLflow on a copy of the project."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import releases

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
STAGE = "folds/dvc.yaml:movielens_folds"
ML_100K = "http://files.grouplens.org/datasets/movielens/ml-100k.zip"


@pytest.fixture(scope="module")
def study(new_project, mirror, tmp_path_factory):
    own = tmp_path_factory.mktemp("mirror")
    current = releases.members(mirror / "ml-latest-small.zip")
    releases.write_zip(own / "ml-100k.zip", releases.shaped_100k(current, n=4_000))
    shutil.copy(mirror / "ml-latest-small.zip", own)
    project = new_project()
    project.env["EMBEDLAB_DATA_MIRROR"] = str(own)
    shutil.copytree(ROOT / "folds", project.path / "folds", ignore=shutil.ignore_patterns("dvc.lock"))
    project.commit("the folds stage")
    done = project.run("dvc", "exp", "run", "--temp", STAGE, "-S", f"download.movielens.url={ML_100K}",
                       "-S", "movielens.train.epochs=2", "-S", "movielens.train.batch_size=256")
    return project, done


def test_the_experiment_reports_each_fold_and_the_mean(study):
    project, done = study
    assert "ml-100k release unknown (an unknown release, every line checked)" in done.stdout
    assert "official folds u1..u5" in done.stdout
    for name in ("u1", "u2", "u3", "u4", "u5"):
        assert f"| dot, fold {name} (800 test ratings) |" in done.stdout
    assert "| **dot, mean of the 5 folds** |" in done.stdout
    assert "| Surprise SVD (published, mean of 5 random folds) | 0.934 |" in done.stdout
    # --temp: the workspace keeps its params and data
    assert "ml-latest-small.zip" in (project.path / "params.yaml").read_text()
    assert not (project.path / "eval/movielens/folds.json").exists()


def test_one_study_run_with_a_child_per_fold(study):
    project, done = study
    runs = project.runs("movielens", kind="study")
    [parent] = [r for r in runs if r.info.run_name.endswith("official folds")]
    children = sorted((r for r in runs if r.data.tags.get("fold")), key=lambda r: r.data.tags["fold"])
    assert [r.data.tags["fold"] for r in children] == ["u1", "u2", "u3", "u4", "u5"]
    assert all(r.info.status == "FINISHED" and r.data.params["n_test"] == "800" for r in children)
    rmse = [r.data.metrics["test_rmse"] for r in children]
    assert parent.data.metrics["mean_rmse"] == pytest.approx(sum(rmse) / 5)
    assert all(0.5 < value < 1.6 for value in rmse)  # whole stars, 2 epochs on 3,200 ratings
    assert parent.data.params["download.movielens.url"] == ML_100K
    # the experiment's metrics, as `dvc exp show` lists them
    shown = json.dumps(json.loads(project.run("dvc", "exp", "show", "--json").stdout))
    assert "eval/movielens/folds.json" in shown and str(round(parent.data.metrics["mean_rmse"], 6))[:6] in shown


def test_the_default_pipeline_does_not_run_it(study):
    project, _ = study
    would_run = project.run("dvc", "repro", "--dry", "--keep-going", check=False).stdout
    assert "Running stage 'download@movielens'" in would_run and "movielens_folds" not in would_run


def test_ml_latest_small_has_no_folds_and_says_so_in_one_line(study):
    project, _ = study
    done = project.run("dvc", "repro", STAGE, check=False)
    assert done.returncode != 0 and "Traceback" not in done.stdout + done.stderr
    assert "error: split u1 is one of ml-100k's official folds" in done.stdout + done.stderr
    assert json.loads((project.path / "data/raw/movielens.release.json").read_text())["release"] == "2018-09"
