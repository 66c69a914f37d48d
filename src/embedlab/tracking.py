"""MLflow plumbing shared by every task: where the store is, one experiment per task, one run per
training (evaluation adds to it), provenance tags, datasets with digests, and honest run status."""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import subprocess
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

import mlflow
import mlflow.data
import pandas as pd
from filelock import FileLock

from embedlab.params import flatten
from embedlab.project import project_root

RUN_FILE = "mlflow_run.txt"
# dvc.lock, params.yaml and the committed results under eval/ change during every `dvc repro` or
# `dvc exp run`; params are logged anyway
_NOT_CODE = {"dvc.lock", "params.yaml"}
_RESULTS = "eval/"
# tag name -> distribution; the libraries whose numerics (or logging) a run's metrics depend on
_LIBRARIES = {"lib.torch": "torch", "lib.numpy": "numpy", "lib.pandas": "pandas", "lib.mlflow": "mlflow",
              "lib.sklearn": "scikit-learn"}


def _local_uri() -> str:
    return f"sqlite:///{project_root() / 'mlflow.db'}"


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or _local_uri()


def _store_lock(uri: str):
    """Parallel queue workers that open a new SQLite store at once both run its schema migration,
    and one fails ('table ... already exists'); they take turns at opening it instead."""
    if not uri.startswith("sqlite:///"):
        return nullcontext()
    return FileLock(uri.removeprefix("sqlite:///") + ".lock", timeout=300)


def experiment_id(task: str) -> str:
    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)  # note: this also exports MLFLOW_TRACKING_URI
    with _store_lock(uri):
        found = mlflow.get_experiment_by_name(task)
        if found is not None:
            return found.experiment_id
        # With the local store, artifacts must go under the root too, not the (temporary) working dir
        location = (project_root() / "mlartifacts" / task).as_uri() if uri == _local_uri() else None
        return mlflow.create_experiment(task, artifact_location=location)


def git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.rstrip("\n") if done.returncode == 0 else None  # keep porcelain's leading space


def environment_tags() -> dict[str, str]:
    """Library versions and the machine: the same code, params and data may end in other last
    digits under another torch or on another CPU, so a run records which it had."""
    tags = {"lib.python": platform.python_version()}
    for tag, dist in _LIBRARIES.items():
        try:
            tags[tag] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            tags[tag] = "not installed"
    tags["platform"] = platform.platform()
    return tags


def provenance_tags() -> dict[str, str]:
    tags = environment_tags()
    commit = git("rev-parse", "HEAD") or os.environ.get("DVC_EXP_BASELINE_REV")
    if commit:
        tags["mlflow.source.git.commit"] = commit
        tags["git.commit"] = commit
    status = git("status", "--porcelain", "--untracked-files=no")
    if status is not None:
        changed = sorted(path for path in (line[3:] for line in status.splitlines())
                         if path not in _NOT_CODE and not path.startswith(_RESULTS))
        tags["git.dirty"] = str(bool(changed)).lower()
        if changed:
            tags["git.dirty_files"] = ", ".join(changed)[:4000]
    if os.environ.get("DVC_EXP_NAME"):
        tags["dvc.exp_name"] = os.environ["DVC_EXP_NAME"]
    if os.environ.get("DVC_EXP_BASELINE_REV"):
        tags["dvc.exp_baseline"] = os.environ["DVC_EXP_BASELINE_REV"]
    return tags


def exp_run_name(name: str | None) -> str | None:
    """`dvc exp run` experiments lead their runs' names, so MLflow's run list and compare view
    line a queued grid up by experiment."""
    exp = os.environ.get("DVC_EXP_NAME")
    return f"{exp}: {name}" if exp and name else (exp or name)


@contextmanager
def run(task: str, *, run_id: str | None = None, run_name: str | None = None) -> Iterator[mlflow.ActiveRun]:
    """Start (or, with run_id, resume) a run; a crash marks it FAILED and Ctrl-C or SIGTERM KILLED,
    so no run is ever left RUNNING."""
    exp = experiment_id(task)
    tags = None if run_id else provenance_tags()
    active = mlflow.start_run(run_id=run_id, experiment_id=exp, tags=tags,
                              run_name=None if run_id else exp_run_name(run_name))
    status = "FINISHED"
    try:
        yield active
    except KeyboardInterrupt:
        status = "KILLED"
        raise
    except BaseException:
        status = "FAILED"
        raise
    finally:
        mlflow.end_run(status)


def save_run_id(run_id: str, folder: Path) -> None:
    (folder / RUN_FILE).write_text(run_id + "\n")


def load_run_id(folder: Path) -> str:
    return (folder / RUN_FILE).read_text().strip()


def frame_digest(df: pd.DataFrame) -> str:
    """A digest of the content itself (not of a file's bytes), so the same rows give the same digest."""
    hashed = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes() + ",".join(map(str, df.columns)).encode()).hexdigest()[:16]


def log_dataset(df: pd.DataFrame, *, name: str, source: Path, context: str,
                targets: str | None = None) -> None:
    with warnings.catch_warnings():
        # MLflow warns that a local path could be two kinds of source, and that integer columns
        # cannot hold NaN; neither applies to a saved split
        warnings.simplefilter("ignore", UserWarning)
        dataset = mlflow.data.from_pandas(df, source=str(source), name=name, targets=targets,
                                          digest=frame_digest(df))
    mlflow.log_input(dataset, context=context)


def log_epoch(row: dict, step: int) -> None:
    mlflow.log_metrics({k: float(v) for k, v in row.items() if k != "epoch"}, step=step)


def task_params(params: dict, task: str) -> dict:
    """Every param of the task, flattened (`movielens.train.lr`), with the URL its data came from."""
    tree = {task: params.get(task, {})}
    if task in params.get("download", {}):
        tree["download"] = {task: params["download"][task]}
    return flatten(tree)


def log_task_params(params: dict, task: str) -> None:
    mlflow.log_params(task_params(params, task))
