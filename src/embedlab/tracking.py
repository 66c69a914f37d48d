"""MLflow plumbing shared by every task: where the store is, one experiment per task, one run per
training (evaluation adds to it), provenance tags, datasets with digests, honest run status, and
the model registry (`embedlab-<task>`, whose alias `champion` only the committed default moves).

A model file and the run that trained it are linked by the file's md5 (the run's tag `model_md5`,
the hash dvc.lock records for the file), so no run id is written into an output: an identical
retraining gives byte-identical outputs, and DVC sees no change where there is none."""
from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

import mlflow
import mlflow.data
import yaml
from filelock import FileLock
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from embedlab.cost import cpu_name
from embedlab.datasets import Dataset
from embedlab.release_record import read_release
from embedlab.params import flatten
from embedlab.project import project_root

MODEL_TAG = "model_md5"
RELEASE_TAG = "data.release"  # which release of the task's dataset the download stage took
# the running training loss against the optimizer step (training_run.log_steps); its steps are not
# epochs, so the reproduce check's per-epoch comparison leaves it out
STEP_LOSS = "train_loss_by_step"
KIND_TAG = "kind"  # training, evaluation, baselines, study, report: what a run is for
CHAMPION, CHALLENGER = "champion", "challenger"  # registry aliases: the committed default, a trial
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
    tags["cpu"] = cpu_name()
    torch = sys.modules.get("torch")
    if torch is not None:  # a stage that trains: its thread count (cli.share_cores) moves last digits
        tags["torch.threads"] = str(torch.get_num_threads())
    return tags


def _changed_files() -> list[str] | None:
    """Tracked files that differ from HEAD, apart from what every run rewrites (None: no git)."""
    status = git("status", "--porcelain", "--untracked-files=no")
    if status is None:
        return None
    return sorted(path for path in (line[3:] for line in status.splitlines())
                  if path not in _NOT_CODE and not path.startswith(_RESULTS))


def provenance_tags() -> dict[str, str]:
    tags = environment_tags()
    commit = git("rev-parse", "HEAD") or os.environ.get("DVC_EXP_BASELINE_REV")
    if commit:
        tags["mlflow.source.git.commit"] = commit
        tags["git.commit"] = commit
    changed = _changed_files()
    if changed is not None:
        tags["git.dirty"] = str(bool(changed)).lower()
        if changed:
            tags["git.dirty_files"] = ", ".join(changed)[:4000]
    if os.environ.get("DVC_EXP_NAME"):
        tags["dvc.exp_name"] = os.environ["DVC_EXP_NAME"]
    if os.environ.get("DVC_EXP_BASELINE_REV"):
        tags["dvc.exp_baseline"] = os.environ["DVC_EXP_BASELINE_REV"]
    return tags


def is_committed_default() -> bool:
    """The pipeline as committed: no `dvc exp run` (trials, tours and queued grids all are), and
    the code and params.yaml those of HEAD. Only such a run may become a task's champion."""
    if os.environ.get("DVC_EXP_NAME") or os.environ.get("DVC_EXP_BASELINE_REV"):
        return False
    changed = _changed_files()
    params_changed = git("diff", "--name-only", "HEAD", "--", "params.yaml")
    return changed == [] and params_changed == ""


def release_tags(task: str) -> dict[str, str]:
    """`data.release`, e.g. "ml-latest-small 2016-10", or "... (unknown release)" where the download
    check accepted a release it has no record of; nothing for a task without a download."""
    try:
        raw = importlib.import_module(f"embedlab.{task}.pipeline").RAW
    except ModuleNotFoundError:
        return {}
    record = read_release(project_root() / raw)
    if record is None:
        return {}
    unknown = "" if record.get("known", True) else " (unknown release)"
    return {RELEASE_TAG: f"{record['dataset']} {record['release']}{unknown}"}


def child_run(parent: mlflow.ActiveRun, run_name: str, tags: dict[str, str]) -> mlflow.ActiveRun:
    """One setting of a study, nested under the study's run: same experiment, provenance and kind."""
    return mlflow.start_run(run_name=run_name, nested=True, experiment_id=parent.info.experiment_id,
                            tags={**provenance_tags(), KIND_TAG: "study", **tags})


def exp_run_name(name: str | None) -> str | None:
    """`dvc exp run` experiments lead their runs' names, so MLflow's run list and compare view
    line a queued grid up by experiment."""
    exp = os.environ.get("DVC_EXP_NAME")
    return f"{exp}: {name}" if exp and name else (exp or name)


@contextmanager
def run(task: str, *, run_id: str | None = None, run_name: str | None = None, kind: str = "training",
        tags: dict[str, str] | None = None) -> Iterator[mlflow.ActiveRun]:
    """Start (or, with run_id, resume) a run; a crash marks it FAILED and Ctrl-C or SIGTERM KILLED,
    so no run is ever left RUNNING. `kind` tells trainings from evaluations, studies and reports."""
    exp = experiment_id(task)
    tags = None if run_id else {**provenance_tags(), **release_tags(task), KIND_TAG: kind, **(tags or {})}
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


def file_md5(path: Path) -> str:
    """The md5 DVC records for a file output."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find_model_run(task: str, model: Path) -> str | None:
    """The id of the latest run of the task that saved this very model file, if the store has one."""
    runs = mlflow.search_runs(experiment_ids=[experiment_id(task)], output_format="list", max_results=1,
                              filter_string=f"tags.{MODEL_TAG} = '{file_md5(model)}'",
                              order_by=["attributes.start_time DESC"])
    return runs[0].info.run_id if runs else None


def training_lineage(model: Path, lock: Path | None = None) -> dict[str, str]:
    """Tags naming the stage that wrote `model` and the md5 of each data file it read, from
    dvc.lock: what links an evaluation to its training where the training's run is not in this
    store (a clone that pulled the model from a DVC remote). The training run itself carries the
    same model md5, so any store that has it finds it by that tag."""
    lock = lock or project_root() / "dvc.lock"
    try:
        stages = yaml.safe_load(lock.read_text()).get("stages", {})
    except (OSError, AttributeError, yaml.YAMLError):
        return {}
    for name, stage in stages.items():
        if any(out.get("path") == model.as_posix() for out in stage.get("outs", [])):
            data = {dep["path"]: dep["md5"] for dep in stage.get("deps", [])
                    if not dep["path"].endswith(".py") and "md5" in dep}
            return {"training.stage": name, **{f"training.data.{path}": md5 for path, md5 in data.items()}}
    return {}


def model_run(task: str, model: Path, kind: str = "evaluation"):
    """Resume the run that trained `model`, so its evaluation lands beside its training; where this
    store never saw that training (another machine's, a deleted run), a new run tagged with the
    model's md5 and the training's data digests (training_lineage) holds the evaluation instead."""
    run_id = find_model_run(task, model)
    if run_id is not None:
        return run(task, run_id=run_id)
    print(f"no MLflow run in {tracking_uri()} trained {model}: logging to a new {kind} run", flush=True)
    return run(task, run_name=kind, kind=kind, tags={MODEL_TAG: file_md5(model), **training_lineage(model)})


def registered_name(task: str) -> str:
    return f"embedlab-{task}"


def register(task: str, run_id: str) -> None:
    """After an evaluation: the run's logged model becomes a version of `embedlab-<task>` (once per
    run) and takes the alias `champion` if this is the committed default (is_committed_default),
    `challenger` if not, so `models:/embedlab-<task>@champion` always serves the published model."""
    logged = mlflow.search_logged_models(experiment_ids=[experiment_id(task)], output_format="list",
                                         filter_string=f"source_run_id = '{run_id}'")
    if not logged:
        print(f"model not registered: run {run_id} holds no logged model (its training ran in another "
              "MLflow store)", flush=True)
        return
    name, alias = registered_name(task), CHAMPION if is_committed_default() else CHALLENGER
    client = MlflowClient()
    with _store_lock(tracking_uri()):  # two queue workers may register the first version at once
        found = client.search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
        version = found[0] if found else mlflow.register_model(
            # the logged model's own URI, so the version links to it and its page shows its metrics
            logged[0].model_uri, name, tags={"committed_default": str(alias == CHAMPION).lower()})
        _set_alias(client, name, alias, version.version)
    print(f"registered {name} version {version.version} as @{alias}", flush=True)


def _set_alias(client: MlflowClient, name: str, alias: str, version: str, attempts: int = 5) -> None:
    """An MLflow server moves an alias by a delete and an insert: two queue workers that move the same
    alias at the same moment collide on its UNIQUE constraint, and the loser tries again (so the
    alias ends on the later version, as it would have a moment later). The file lock above does not
    span machines, nor a server's store."""
    for attempt in range(1, attempts + 1):
        try:
            client.set_registered_model_alias(name, alias, version)
            return
        except MlflowException as exc:
            if "UNIQUE constraint" not in str(exc) or attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


def log_dataset(dataset: Dataset) -> None:
    with warnings.catch_warnings():
        # MLflow warns that a local path could be two kinds of source, and (while it infers the
        # schema, also inside log_input) that integer columns cannot hold NaN; neither applies to
        # a saved split
        warnings.simplefilter("ignore", UserWarning)
        kwargs = dict(source=str(dataset.source), name=dataset.name, digest=dataset.digest)
        if hasattr(dataset.data, "columns"):
            logged = mlflow.data.from_pandas(dataset.data, targets=dataset.targets, **kwargs)
        else:
            logged = mlflow.data.from_numpy(dataset.data, **kwargs)
        release = mlflow.active_run().data.tags.get(RELEASE_TAG)
        mlflow.log_input(logged, context=dataset.context, tags={"release": release} if release else None)


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
