"""reproduce: params back from MLflow's strings, exact metric comparison, provenance findings, and
the command end to end on a real MovieLens run in a project copy."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from embedlab import params, tracking
from embedlab.movielens.config import TrainConfig as MovieLensTrain
from embedlab.reproduce import (Finding, compare_metrics, data_finding, diff_values, libraries_finding,
                                params_finding, parse_param, unflatten, verdict)
from embedlab.rossmann.config import TrainConfig as RossmannTrain

ROOT = Path(__file__).resolve().parents[1]
TRAIN_CONFIGS = {"movielens": MovieLensTrain, "rossmann": RossmannTrain}


# ---- params: MLflow logs str(value) of each flattened param ------------------------------------

@pytest.mark.parametrize("text, value", [
    ("0.005", 0.005), ("1e-05", 1e-05), ("42", 42), ("None", None), ("True", True),
    ("[0.0, 5.5]", [0.0, 5.5]), ("[-1, -2, 0]", [-1, -2, 0]), ("['This movie was', 'x']", ["This movie was", "x"]),
    ("dot", "dot"), ("2014-08-01", "2014-08-01"), ("2014-12-31", "2014-12-31"),
    ("http://x/ml-latest-small.zip", "http://x/ml-latest-small.zip"), ("", ""),
])
def test_parse_param(text, value):
    assert parse_param(text) == value
    assert type(parse_param(text)) is type(value)


def test_unflatten():
    assert unflatten({"a.b.c": 1, "a.b.d": [2], "a.e": "x", "f": None}) == {
        "a": {"b": {"c": 1, "d": [2]}, "e": "x"}, "f": None}
    assert unflatten({}) == {}


@pytest.mark.parametrize("task", ["movielens", "rossmann", "imdb"])
def test_logged_params_round_trip_to_the_same_config(task):
    """What a run logs (str of each flattened value) rebuilds the params it was logged from."""
    real = params.load(ROOT / "params.yaml")
    logged = {key: str(value) for key, value in tracking.task_params(real, task).items()}
    tree = unflatten({key: parse_param(value) for key, value in logged.items()})
    assert tree[task] == real[task]
    assert tree["download"][task] == real["download"][task]
    if task in TRAIN_CONFIGS:
        where = f"{task}.train"
        assert params.build(TRAIN_CONFIGS[task], params.section(tree, where), where) == \
            params.build(TRAIN_CONFIGS[task], params.section(real, where), where)


def test_diff_values():
    run = {"a": "1", "b": "2", "c": "3"}
    assert diff_values(run, dict(run)) == []
    assert diff_values(run, {"a": "1", "b": "20", "d": "4"}) == [
        "b: run 2, now 20", "c: run 3, now (absent)", "d: run (absent), now 4"]


# ---- metrics: exact, per epoch -----------------------------------------------------------------

HISTORY = [{"epoch": 1, "train_loss": 1.25, "valid_loss": 0.75, "valid_rmse": 0.8660254037844386},
           {"epoch": 2, "train_loss": 0.625, "valid_loss": 0.5, "valid_rmse": 0.7071067811865476}]


def _logged(history):
    return {name: {row["epoch"]: row[name] for row in history} for name in history[0] if name != "epoch"}


def test_compare_metrics_identical():
    assert compare_metrics(HISTORY, _logged(HISTORY)) == (6, [])


def test_compare_metrics_last_digit_differs():
    logged = _logged(HISTORY)
    logged["valid_rmse"][2] = math.nextafter(logged["valid_rmse"][2], 1.0)  # one ulp
    compared, mismatches = compare_metrics(HISTORY, logged)
    assert compared == 6
    assert mismatches == ["valid_rmse at epoch 2: run 0.7071067811865477, now 0.7071067811865476"]


def test_compare_metrics_first_mismatch_is_the_earliest_epoch():
    logged = _logged(HISTORY)
    logged["valid_loss"][2] = 0.0
    logged["train_loss"][1] = 0.0
    _, mismatches = compare_metrics(HISTORY, logged)
    assert [m.split(":")[0] for m in mismatches] == ["train_loss at epoch 1", "valid_loss at epoch 2"]


def test_compare_metrics_missing_epochs_and_metrics():
    logged = _logged(HISTORY)
    logged["valid_auc"] = {1: 0.9, 2: 0.95}  # the code no longer computes it
    _, mismatches = compare_metrics(HISTORY[:1], logged)  # and trains one epoch fewer
    assert "train_loss at epoch 2: run 0.625, now (none)" in mismatches
    assert "valid_auc at epoch 1: run 0.9, now (none)" in mismatches
    assert len(mismatches) == 5


def test_compare_metrics_nan_matches_nan():
    history = [{"epoch": 1, "valid_loss": float("nan")}]
    assert compare_metrics(history, {"valid_loss": {1: float("nan")}}) == (1, [])
    assert compare_metrics(history, {"valid_loss": {1: 1.0}})[1] == ["valid_loss at epoch 1: run 1.0, now nan"]


# ---- findings and the verdict -----------------------------------------------------------------

def test_params_and_data_findings():
    assert params_finding({"m.lr": "0.005"}, {"m.lr": "0.005"}).differs is False
    changed = params_finding({"m.lr": "0.005", "m.seed": "1"}, {"m.lr": "0.01", "m.seed": "1"})
    assert changed.differs is True and changed.changed == ("m.lr",)
    assert "m.lr: run 0.005, now 0.01" in changed.detail
    assert data_finding({}, {"train": "ab"}).differs is None
    assert data_finding({"train": "ab"}, {"train": "ab"}).differs is False
    assert data_finding({"train": "ab", "valid": "cd"}, {"train": "ab", "valid": "ce"}).changed == ("valid",)


def test_libraries_finding():
    now = tracking.environment_tags()
    old_run = {"git.commit": "abc", "mlflow.runName": "dot"}
    assert libraries_finding(old_run, now).differs is None  # a run from before the lib.* tags
    assert libraries_finding({**old_run, **now}, now).differs is False
    other = libraries_finding({**now, "lib.torch": "2.0.0"}, now)
    assert other.differs is True and other.changed == ("lib.torch",)
    assert f"lib.torch: run 2.0.0, now {now['lib.torch']}" in other.detail


SAME = [Finding("params", False, ""), Finding("code", False, ""), Finding("data", False, ""),
        Finding("libraries", False, "")]


def test_verdict_identical():
    assert verdict(6, 2, [], SAME) == "identical: 6 metrics over 2 epochs match the logged run to the last digit"


def test_verdict_names_what_changed():
    findings = [Finding("params", True, "", ("m.lr",)), Finding("code", True, "", ("src/a.py", "src/b.py")),
                Finding("data", False, ""), Finding("libraries", None, "")]
    line = verdict(6, 2, ["train_loss at epoch 1: run 1.0, now 2.0"], findings)
    assert line.startswith("differs: train_loss at epoch 1: run 1.0, now 2.0 (1 of 6 values differ)")
    assert "changed since the run: code (src/a.py, src/b.py)" in line
    assert "not known from the run: libraries" in line
    assert "m.lr" not in line  # the rerun used the run's params: params.yaml cannot explain it


def test_verdict_unexplained():
    params_only = [Finding("params", True, "", ("m.lr",)), *SAME[1:]]
    line = verdict(6, 2, ["a at epoch 1: run 1.0, now 2.0", "b at epoch 1: run 1.0, now 2.0"], params_only)
    assert line.startswith("differs: a at epoch 1")
    assert "no recorded difference" in line and "changed since" not in line


# ---- end to end: a real MovieLens run in a project copy ---------------------------------------

@pytest.fixture(scope="module")
def trained(new_project):
    project = new_project()
    project.set_params(**{"movielens.train.epochs": 2, "movielens.train.batch_size": 256})
    project.commit("small epochs")
    project.run("dvc", "repro", "movielens_train")
    [run] = project.runs("movielens")
    assert run.data.tags["git.dirty"] == "false"
    return project, run


@pytest.fixture
def copy(trained):
    """The trained copy; whatever a test changes in params, code or data is put back after it."""
    project, run = trained
    valid = project.path / "data/movielens/split/valid.parquet"
    saved = valid.read_bytes()
    yield project, run
    project.run("git", "checkout", "--", "params.yaml", "src", "stages")
    valid.unlink()
    valid.write_bytes(saved)


def reproduce(project, target):
    # with the copy's src on PYTHONPATH: the copy's code (changed or not) retrains
    return project.run("python", str(ROOT / "tests/reproduce_entry.py"), target, check=False)


def _verdict(done):
    return done.stdout.strip().splitlines()[-2]  # the last: reproduce_entry's


def test_unchanged_run_is_identical(copy):
    project, run = copy
    head = project.run("git", "rev-parse", "HEAD").stdout.strip()
    assert run.data.tags["lib.torch"] == tracking.environment_tags()["lib.torch"]
    runs_before = len(project.runs("movielens"))
    for target in ("movielens", run.info.run_id):
        done = reproduce(project, target)
        assert done.returncode == 0, done.stdout + done.stderr
        assert _verdict(done) == "identical: 6 metrics over 2 epochs match the logged run to the last digit"
        assert f"run {run.info.run_id} (movielens" in done.stdout
        assert "params.yaml matches the run" in done.stdout
        assert f"no change under src/ or stages/ since the run's commit {head[:10]}" in done.stdout
        assert "same digests (movielens-train, movielens-valid)" in done.stdout
        assert "libraries: same (python" in done.stdout
        assert done.stdout.strip().endswith("kept freed memory: True")  # as its stage does
    assert len(project.runs("movielens")) == runs_before  # the rerun logs nothing


def test_task_name_takes_the_latest_training_run(copy):
    project, run = copy
    # a later finished run in the same experiment that logged no training data, as a study's is
    client = MlflowClient(f"sqlite:///{project.path / 'mlflow.db'}")
    other = client.create_run(client.get_experiment_by_name("movielens").experiment_id, run_name="study")
    client.log_metric(other.info.run_id, "gap", 0.125)
    client.set_terminated(other.info.run_id, "FINISHED")
    done = reproduce(project, "movielens")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"run {run.info.run_id} (movielens, 'dot'")


def test_param_change_is_named(copy):
    project, _ = copy
    project.set_params(**{"movielens.train.lr": 0.01})
    done = reproduce(project, "movielens")
    # the rerun takes the run's lr, so it still reproduces; params.yaml has moved on and says so
    assert done.returncode == 0, done.stdout + done.stderr
    assert _verdict(done).startswith("identical: ")
    assert "params.yaml differs from the run (the rerun used the run's): " \
           "movielens.train.lr: run 0.005, now 0.01" in done.stdout


def test_code_change_differs_and_names_the_file(copy):
    project, _ = copy
    models = project.path / "src/embedlab/movielens/models.py"
    source = models.read_text()
    assert "std=0.01" in source
    models.write_text(source.replace("std=0.01", "std=0.02"))  # uncommitted, as a user edits
    done = reproduce(project, "movielens")
    assert done.returncode == 1, done.stdout + done.stderr
    line = _verdict(done)
    assert line.startswith("differs: train_loss at epoch 1: run ")
    assert "changed since the run: code (src/embedlab/movielens/models.py)" in line
    assert "data" not in line.split("changed since the run:")[1]


def test_data_change_differs_and_names_the_dataset(copy):
    project, _ = copy
    valid = project.path / "data/movielens/split/valid.parquet"
    rows = pd.read_parquet(valid)
    valid.unlink()  # never write through a file DVC may have linked to its cache
    rows.iloc[:-100].to_parquet(valid, index=False)
    done = reproduce(project, "movielens")
    assert done.returncode == 1, done.stdout + done.stderr
    line = _verdict(done)
    assert line.startswith("differs: valid_loss at epoch 1: run ")
    assert "changed since the run: data (movielens-valid)" in line
    assert "code" not in line


@pytest.mark.parametrize("target, message", [
    ("imdb", "error: no finished imdb training run in sqlite:///"),
    ("0123abcd", "error: '0123abcd' is neither a task (movielens, rossmann, imdb) nor a run id in sqlite:///"),
    ("rossmann", "error: no finished rossmann training run in sqlite:///"),
])
def test_user_mistakes_are_one_error_line(trained, target, message):
    project, _ = trained
    done = reproduce(project, target)
    assert done.returncode == 1
    assert done.stderr.startswith(message), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
