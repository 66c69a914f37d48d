"""tracking: run status, resuming, params, metric history, digests, provenance tags.

MLflow tests share one real SQLite store per module (creating one costs a second or two)."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from embedlab import datasets, tracking
from embedlab.datasets import Dataset


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        mp.chdir(folder)  # outside any git repo; anything MLflow writes stays here
        mp.delenv("DVC_EXP_NAME", raising=False)
        yield MlflowClient(tracking_uri=uri)
    while mlflow.active_run():
        mlflow.end_run()


def _status(client: MlflowClient, run_id: str) -> str:
    return client.get_run(run_id).info.status


def test_run_status_finished_failed_killed(store):
    with tracking.run("status-task") as ok:
        mlflow.log_metric("m", 1.0)
    assert _status(store, ok.info.run_id) == "FINISHED"

    with pytest.raises(ValueError):
        with tracking.run("status-task") as failed:
            raise ValueError("crash")
    assert _status(store, failed.info.run_id) == "FAILED"

    with pytest.raises(KeyboardInterrupt):
        with tracking.run("status-task") as killed:
            raise KeyboardInterrupt
    assert _status(store, killed.info.run_id) == "KILLED"
    assert mlflow.active_run() is None

    # one experiment per task, reused
    exp = store.get_experiment_by_name("status-task")
    assert tracking.experiment_id("status-task") == exp.experiment_id
    assert len(store.search_runs([exp.experiment_id])) == 3


def test_resume_logs_params_metrics_and_dataset_into_same_run(store):
    all_params = {
        "download": {"movielens": {"url": "http://x/ml-latest-small.zip"}, "imdb": {"url": "http://x/i"}},
        "movielens": {"train": {"lr": 0.005, "rating_range": [0.0, 5.5]}, "split": {"seed": 42}},
        "rossmann": {"train": {"lr": 1}},
    }
    with tracking.run("resume-task", run_name="dot") as first:
        tracking.log_task_params(all_params, "movielens")
        for row in ({"epoch": 1, "train_loss": 1.5, "valid_loss": 2.0},
                    {"epoch": 2, "train_loss": 0.75, "valid_loss": 1.25}):
            tracking.log_epoch(row, step=row["epoch"])
    run_id = first.info.run_id

    df = pd.DataFrame({"user": [1, 2], "rating": [3.5, 4.0]})
    with tracking.run("resume-task", run_id=run_id) as again:
        assert again.info.run_id == run_id
        mlflow.log_metric("final_rmse", 0.9)
        tracking.log_dataset(Dataset("movielens-valid", df, Path("v.parquet"), "validation", "rating"))

    exp = store.get_experiment_by_name("resume-task")
    runs = store.search_runs([exp.experiment_id])
    assert [r.info.run_id for r in runs] == [run_id]
    run = store.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "dot"
    assert run.data.params == {
        "movielens.train.lr": "0.005",
        "movielens.train.rating_range": "[0.0, 5.5]",
        "movielens.split.seed": "42",
        "download.movielens.url": "http://x/ml-latest-small.zip",
    }
    assert run.data.metrics["final_rmse"] == 0.9
    assert "epoch" not in run.data.metrics
    history = store.get_metric_history(run_id, "train_loss")
    assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [(1, 1.5), (2, 0.75)]
    valid = store.get_metric_history(run_id, "valid_loss")
    assert [(m.step, m.value) for m in sorted(valid, key=lambda m: m.step)] == [(1, 2.0), (2, 1.25)]
    inputs = run.inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "movielens-valid"
    assert {t.key: t.value for t in inputs[0].tags}.get("mlflow.data.context") == "validation"


def test_log_task_params_without_download_section(store):
    with tracking.run("params-task") as r:
        tracking.log_task_params({"movielens": {"a": {"b": 1}}}, "movielens")
    assert store.get_run(r.info.run_id).data.params == {"movielens.a.b": "1"}


def test_default_store_and_artifacts_under_real_root(tmp_path, monkeypatch):
    """Without MLFLOW_TRACKING_URI, a dvc exp --temp copy logs to <root>/mlflow.db, artifacts in
    <root>/mlartifacts/<task>."""
    root = tmp_path / "root"
    copy = root / ".dvc" / "tmp" / "exps" / "tmpq1"
    copy.mkdir(parents=True)
    (copy / "dvc.yaml").write_text("")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(copy)
    assert tracking.tracking_uri() == f"sqlite:///{root.resolve() / 'mlflow.db'}"
    exp_id = tracking.experiment_id("movielens")
    assert (root / "mlflow.db").is_file()
    assert not (copy / "mlflow.db").exists()
    client = MlflowClient(tracking_uri=f"sqlite:///{root.resolve() / 'mlflow.db'}")
    assert client.get_experiment(exp_id).artifact_location == (root.resolve() / "mlartifacts" / "movielens").as_uri()


def test_tracking_uri_env_wins(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////somewhere/x.db")
    assert tracking.tracking_uri() == "sqlite:////somewhere/x.db"


def test_a_model_file_finds_the_run_that_saved_it(store, tmp_path):
    """No run id is written into an output: the model file's md5 (dvc.lock's hash of it) links it
    to its run, and an evaluation without that run in the store gets a new run tagged alike."""
    model = tmp_path / "model.pt"
    model.write_bytes(b"weights v1")
    assert tracking.file_md5(model) == hashlib.md5(b"weights v1").hexdigest()
    assert tracking.find_model_run("link-task", model) is None
    with tracking.run("link-task", run_name="train") as trained:
        mlflow.set_tag(tracking.MODEL_TAG, tracking.file_md5(model))
    with tracking.model_run("link-task", model):
        mlflow.log_metric("final_rmse", 0.5)
    assert tracking.find_model_run("link-task", model) == trained.info.run_id
    assert store.get_run(trained.info.run_id).data.metrics["final_rmse"] == 0.5

    model.write_bytes(b"weights v2, trained elsewhere")
    with tracking.model_run("link-task", model) as evaluation:
        mlflow.log_metric("final_rmse", 0.25)
    run = store.get_run(evaluation.info.run_id)
    assert evaluation.info.run_id != trained.info.run_id
    assert run.data.tags[tracking.MODEL_TAG] == tracking.file_md5(model)
    assert run.data.tags[tracking.KIND_TAG] == "evaluation" and run.info.status == "FINISHED"


# ---- dataset digests ---------------------------------------------------------------------------

def test_frame_digest():
    a = pd.DataFrame({"user": [1, 2, 3], "rating": [3.5, 4.0, 1.0]})
    same = pd.DataFrame({"user": [1, 2, 3], "rating": [3.5, 4.0, 1.0]}, index=[7, 8, 9])
    changed = a.copy()
    changed.loc[2, "rating"] = 1.5
    renamed = a.rename(columns={"rating": "score"})
    reordered = a.iloc[[1, 0, 2]]
    digest = datasets.digest(a)
    assert isinstance(digest, str) and len(digest) == 16
    # the formula of the digests runs have logged all along, so embedlab-reproduce compares like with like
    hashed = pd.util.hash_pandas_object(a, index=False).to_numpy().tobytes()
    assert digest == hashlib.sha256(hashed + b"user,rating").hexdigest()[:16]
    assert datasets.digest(same) == digest  # the index is not content
    assert datasets.digest(changed) != digest
    assert datasets.digest(renamed) != digest
    assert datasets.digest(reordered) != digest


def test_array_digest():
    ids = np.arange(10, dtype=np.int32)
    digest = datasets.digest(ids)
    assert datasets.digest(ids.copy()) == digest
    assert datasets.digest(ids.astype(np.int64)) != digest  # the dtype is content
    assert datasets.digest({"ids": ids}) != datasets.digest({"other": ids})
    changed = ids.copy()
    changed[3] = 0
    assert datasets.digest(changed) != digest


def test_arrays_are_logged_as_numpy_datasets(store):
    ids = np.arange(100, dtype=np.int32)
    with tracking.run("array-task") as r:
        tracking.log_dataset(Dataset("imdb-lm-train", ids, Path("lm_train.npy"), "training"))
        tracking.log_dataset(Dataset("imdb-classifier-valid", {"ids": ids, "labels": ids % 2},
                                     Path("clas_valid.npz"), "validation"))
    inputs = {i.dataset.name: i for i in store.get_run(r.info.run_id).inputs.dataset_inputs}
    assert set(inputs) == {"imdb-lm-train", "imdb-classifier-valid"}
    assert inputs["imdb-lm-train"].dataset.digest == datasets.digest(ids)
    assert {t.key: t.value for t in inputs["imdb-classifier-valid"].tags}["mlflow.data.context"] == "validation"


# ---- provenance_tags in a throwaway git repo ----------------------------------------------------

def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false",
                           *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    monkeypatch.delenv("DVC_EXP_BASELINE_REV", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q")
    (path / "code.py").write_text("x = 1\n")
    (path / "params.yaml").write_text("lr: 0.1\n")
    (path / "dvc.lock").write_text("schema: '2.0'\n")
    (path / "eval").mkdir()
    (path / "eval" / "metrics.json").write_text("{}\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "init")
    monkeypatch.chdir(path)
    return path


def test_provenance_clean(repo):
    head = _git(repo, "rev-parse", "HEAD")
    tags = tracking.provenance_tags()
    assert tags["git.commit"] == head
    assert tags["mlflow.source.git.commit"] == head
    assert tags["git.dirty"] == "false"
    assert "git.dirty_files" not in tags
    assert "dvc.exp_name" not in tags


def test_provenance_modified_code_is_dirty(repo):
    (repo / "code.py").write_text("x = 2\n")
    tags = tracking.provenance_tags()
    assert tags["git.dirty"] == "true"
    assert tags["git.dirty_files"] == "code.py"


def test_provenance_staged_code_is_dirty(repo):
    (repo / "code.py").write_text("x = 3\n")
    _git(repo, "add", "code.py")
    tags = tracking.provenance_tags()
    assert tags["git.dirty"] == "true"
    assert tags["git.dirty_files"] == "code.py"


def test_provenance_params_only_is_clean(repo):
    (repo / "params.yaml").write_text("lr: 0.2\n")
    assert tracking.provenance_tags()["git.dirty"] == "false"
    (repo / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")
    assert tracking.provenance_tags()["git.dirty"] == "false"


def test_provenance_changed_results_are_not_code(repo):
    (repo / "eval" / "metrics.json").write_text('{"rmse": 0.8}\n')  # what the last `dvc repro` wrote
    assert tracking.provenance_tags()["git.dirty"] == "false"


def test_provenance_untracked_file_is_not_dirty(repo):
    (repo / "notes.txt").write_text("scratch\n")
    assert tracking.provenance_tags()["git.dirty"] == "false"


def test_provenance_dvc_exp_name(repo, monkeypatch):
    monkeypatch.setenv("DVC_EXP_NAME", "lucky-lark")
    assert tracking.provenance_tags()["dvc.exp_name"] == "lucky-lark"


def test_provenance_outside_git_uses_baseline_rev(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("DVC_EXP_BASELINE_REV", "f" * 40)
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    tags = tracking.provenance_tags()
    assert tags["git.commit"] == "f" * 40
    assert "git.dirty" not in tags


def test_provenance_records_library_versions_and_platform(repo, monkeypatch):
    import platform

    import numpy as np
    import sklearn
    import torch

    tags = tracking.provenance_tags()
    assert tags["lib.python"] == platform.python_version()
    assert tags["lib.torch"] == torch.__version__
    assert tags["lib.numpy"] == np.__version__
    assert tags["lib.pandas"] == pd.__version__
    assert tags["lib.mlflow"] == mlflow.__version__
    assert tags["lib.sklearn"] == sklearn.__version__
    assert tags["platform"] == platform.platform()
    monkeypatch.setitem(tracking._LIBRARIES, "lib.nothing", "no-such-distribution-embedlab")
    assert tracking.environment_tags()["lib.nothing"] == "not installed"


def test_run_carries_library_tags(store):
    with tracking.run("lib-task") as r:
        pass
    tags = store.get_run(r.info.run_id).data.tags
    assert tags["lib.torch"] == tracking.environment_tags()["lib.torch"]
    assert "platform" in tags


# ---- who may become the champion ------------------------------------------------------------

def test_the_committed_default_is_the_committed_tree_outside_an_experiment(repo, monkeypatch):
    assert tracking.is_committed_default()
    (repo / "eval" / "metrics.json").write_text('{"rmse": 0.8}\n')  # what its own `dvc repro` rewrites
    (repo / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")
    assert tracking.is_committed_default()
    monkeypatch.setenv("DVC_EXP_NAME", "lucky-lark")
    assert not tracking.is_committed_default()


@pytest.mark.parametrize("edit", ["params.yaml", "code.py"])
def test_an_edited_param_or_code_makes_a_trial(repo, edit):
    (repo / edit).write_text("lr: 0.2\n")
    assert not tracking.is_committed_default()


def test_outside_git_nothing_is_the_committed_default(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    monkeypatch.delenv("DVC_EXP_BASELINE_REV", raising=False)
    monkeypatch.chdir(tmp_path)
    assert not tracking.is_committed_default()


def test_training_lineage_names_the_stage_and_its_data_digests(tmp_path):
    lock = tmp_path / "dvc.lock"
    lock.write_text("""schema: '2.0'
stages:
  split:
    cmd: python stages/split.py
    outs:
    - path: data/split/train.parquet
      md5: aaa
  train:
    cmd: python stages/train.py
    deps:
    - path: stages/train.py
      md5: bbb
    - path: data/split/train.parquet
      md5: aaa
    - path: data/raw
      md5: ccc.dir
    outs:
    - path: data/model.pt
      md5: ddd
""")
    assert tracking.training_lineage(Path("data/model.pt"), lock) == {
        "training.stage": "train", "training.data.data/split/train.parquet": "aaa",
        "training.data.data/raw": "ccc.dir"}
    assert tracking.training_lineage(Path("data/other.pt"), lock) == {}
    assert tracking.training_lineage(Path("data/model.pt"), tmp_path / "missing.lock") == {}
