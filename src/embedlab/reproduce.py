"""embedlab-reproduce RUN_ID_OR_TASK: retrain a logged run with its own params on the current code
and data, and say whether every per-epoch metric matches the run to the last digit; and, either
way, what has changed since the run: params.yaml, code, data, library versions.

A task name takes that task's latest finished run. The rerun logs nothing to MLflow. An IMDB
classifier run is retrained from the language model its run started from (logged by the LM's run),
or with --lm from a retraining of that language model, compared with its run first."""
from __future__ import annotations

import argparse
import ast
import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from embedlab import params, tracking
from embedlab.cli import keep_freed_memory, run_stage
from embedlab.errors import EmbedlabError
from embedlab.imdb import learner as imdb_learner
from embedlab.imdb import pipeline as imdb
from embedlab.imdb import rerun as imdb_rerun
from embedlab.movielens import config as movielens_config
from embedlab.movielens import learner as movielens_learner
from embedlab.movielens import pipeline as movielens
from embedlab.params import build, section, with_legacy_defaults
from embedlab.project import project_root
from embedlab.rossmann import config as rossmann_config
from embedlab.rossmann import learner as rossmann_learner
from embedlab.rossmann import pipeline as rossmann
from embedlab.tour import is_tour
from embedlab.training import pick_device

CODE = ("src", "stages")
_CODE_DIRS = " or ".join(f"{folder}/" for folder in CODE)


# ---- pure parts ---------------------------------------------------------------------------------

def parse_param(text: str) -> Any:
    """A param as MLflow logged it, str(value), back to the value: numbers, lists, None and bools
    are Python literals; anything else (a name, a date, a URL) was a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def unflatten(flat: dict[str, Any]) -> dict:
    """{'movielens.train.lr': 0.005} -> {'movielens': {'train': {'lr': 0.005}}}, params.flatten undone."""
    tree: dict = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return tree


def differing_keys(run: dict[str, str], now: dict[str, str]) -> list[str]:
    """The keys whose value differs or exists on one side only."""
    return sorted(key for key in run.keys() | now.keys() if run.get(key) != now.get(key))


def diff_values(run: dict[str, str], now: dict[str, str]) -> list[str]:
    """'key: run A, now B' for each differing key."""
    shown = lambda value: "(absent)" if value is None else value  # noqa: E731
    return [f"{key}: run {shown(run.get(key))}, now {shown(now.get(key))}" for key in differing_keys(run, now)]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def compare_metrics(history: list[dict], logged: dict[str, dict[int, float]]) -> tuple[int, list[str]]:
    """(values compared, mismatches in epoch order) between a fresh history (one row per epoch) and
    the run's per-epoch metrics ({name: {step: value}}); exact equality, NaN matching NaN."""
    now: dict[str, dict[int, float]] = {}
    for row in history:
        for name, value in row.items():
            if name != "epoch":
                now.setdefault(name, {})[row["epoch"]] = float(value)
    names = list(now) + [name for name in sorted(logged) if name not in now]
    epochs = sorted({e for values in (*now.values(), *logged.values()) for e in values})
    shown = lambda value: "(none)" if value is None else repr(value)  # noqa: E731
    compared, mismatches = 0, []
    for epoch in epochs:
        for name in names:
            a, b = logged.get(name, {}).get(epoch), now.get(name, {}).get(epoch)
            compared += 1
            if a is None or b is None or not _same(a, b):
                mismatches.append(f"{name} at epoch {epoch}: run {shown(a)}, now {shown(b)}")
    return compared, mismatches


@dataclass(frozen=True)
class Finding:
    """One kind of provenance, run vs now: differs True, False, or None where it cannot be told;
    changed names what differs (param keys, files, datasets, libraries)."""
    kind: str
    differs: bool | None
    detail: str
    changed: tuple[str, ...] = ()


def params_finding(run: dict[str, str], now: dict[str, str]) -> Finding:
    diffs = diff_values(run, now)
    if not diffs:
        return Finding("params", False, "params.yaml matches the run")
    return Finding("params", True, "params.yaml differs from the run (the rerun used the run's): "
                   + "; ".join(diffs), tuple(differing_keys(run, now)))


def data_finding(run: dict[str, str], now: dict[str, str]) -> Finding:
    if not run:
        return Finding("data", None, "the run logged no datasets")
    diffs = diff_values(run, now)
    if not diffs:
        return Finding("data", False, f"same digests ({', '.join(sorted(now))})")
    return Finding("data", True, "; ".join(diffs), tuple(differing_keys(run, now)))


def libraries_finding(run_tags: dict[str, str], now: dict[str, str]) -> Finding:
    recorded = {key: value for key, value in run_tags.items() if key in now}
    if not recorded:
        return Finding("libraries", None, "not recorded by the run (it predates the lib.* tags); now "
                       + ", ".join(f"{k} {v}" for k, v in now.items()))
    diffs = diff_values(recorded, now)
    if not diffs:
        return Finding("libraries", False, "same (" + ", ".join(f"{k.removeprefix('lib.')} {v}"
                                                                  for k, v in now.items()) + ")")
    return Finding("libraries", True, "; ".join(diffs), tuple(differing_keys(recorded, now)))


def verdict(compared: int, epochs: int, mismatches: list[str], findings: list[Finding]) -> str:
    if not mismatches:
        return f"identical: {compared} metrics over {epochs} epochs match the logged run to the last digit"
    line = f"differs: {mismatches[0]} ({len(mismatches)} of {compared} values differ)"
    # params.yaml cannot explain it: the rerun used the run's params, not params.yaml's
    causes = [f for f in findings if f.kind != "params"]
    changed = [f"{f.kind} ({', '.join(f.changed)})" for f in causes if f.differs]
    unknown = [f.kind for f in causes if f.differs is None]
    if changed:
        line += f"; changed since the run: {', '.join(changed)}"
    if unknown:
        line += f"; not known from the run: {', '.join(unknown)}"
    if not changed and not unknown:
        line += ("; no recorded difference (code, data, library versions) explains it: look at what a "
                 "run does not record (CPU or GPU model, thread count, nondeterministic kernels)")
    return line


# ---- the tasks: current data as each run logged it, and a retraining with the run's params ----

# Only the train section is rebuilt: the data is the split files as they are now (their digests
# say whether they changed), and other sections may have come or gone since the run.
@dataclass(frozen=True)
class Task:
    pipeline: ModuleType  # the task's files: read_split, datasets
    learner: ModuleType   # its training: train(cfg, train, valid, device) -> named result
    config: type          # the config class of its train section,
    where: str            # which is at this dotted path of params

    def read_split(self) -> Any:
        return self.pipeline.read_split()

    def datasets(self, split: Any):
        return self.pipeline.datasets(split)

    def train(self, tree: dict, split: Any) -> list[dict]:
        """The per-epoch history of a training with the train section of `tree` on `split`."""
        cfg = build(self.config, with_legacy_defaults(section(tree, self.where), self.where), self.where)
        return self.learner.train(cfg, split.train, split.valid, pick_device()).history


TASKS = {"movielens": Task(movielens, movielens_learner, movielens_config.TrainConfig, "movielens.train"),
         "rossmann": Task(rossmann, rossmann_learner, rossmann_config.TrainConfig, "rossmann.train")}
NAMES = (*TASKS, "imdb")  # IMDB's retraining depends on the run: imdb_task


# ---- MLflow and git -----------------------------------------------------------------------------

def _task(name: str) -> Task:
    if name not in TASKS:
        raise EmbedlabError(f"runs of experiment {name!r} cannot be reproduced; tasks: {', '.join(NAMES)}")
    return TASKS[name]


def imdb_task(client, run, retrain_lm: bool) -> imdb_rerun.Retraining:
    """The LM run's retraining, or the classifier run's from its language model: the one its run
    logged, or (retrain_lm) that run retrained and compared first."""
    if run.info.run_name == imdb.LM_RUN:
        return imdb_rerun.Retraining()
    from mlflow.exceptions import MlflowException

    lm_run_id = run.data.tags.get("lm_run_id", "")
    try:
        lm_run = client.get_run(lm_run_id)
    except MlflowException:
        raise EmbedlabError(f"run {run.info.run_id} names no language-model run in {tracking.tracking_uri()} "
                            f"(lm_run_id {lm_run_id or 'not recorded'}); its classifier cannot be retrained "
                            "from the same start") from None

    def start() -> imdb_learner.TextModel:
        if retrain_lm:
            print(f"retraining its language model, run {lm_run_id}, first", flush=True)
            lm = imdb_rerun.Retraining()
            trained = lm.fit(_tree(lm_run), lm.read_split())
            compared, mismatches = compare_metrics(trained.history, logged_history(client, lm_run))
            print("language model: " + verdict(compared, len(trained.history), mismatches, []), flush=True)
            return trained.model
        if not any(f.path == imdb.LM.name for f in client.list_artifacts(lm_run_id)):
            raise EmbedlabError(f"language-model run {lm_run_id} logged no {imdb.LM.name} (runs before it was "
                                "logged): retrain it as well with --lm")
        with tempfile.TemporaryDirectory() as tmp:
            return imdb_learner.load_lm(Path(client.download_artifacts(lm_run_id, imdb.LM.name, tmp)),
                                        imdb.read_vocab())

    return imdb_rerun.Retraining(start)


def _tree(run) -> dict:
    return unflatten({key: parse_param(value) for key, value in run.data.params.items()})


def find_run(client, target: str):
    """The run with that id, or the task's latest finished training run (a run the train stage
    made: it logged its training data; a study's runs in the same experiment did not)."""
    from mlflow.exceptions import MlflowException

    if target in NAMES:
        exp = client.get_experiment_by_name(target)
        found = [] if exp is None else client.search_runs(
            [exp.experiment_id], filter_string="attributes.status = 'FINISHED' AND datasets.context = 'training'",
            order_by=["attributes.start_time DESC"], max_results=100)
        # baselines log their data too; runs from before the kind tag are all trainings
        # nor is a tour's (embedlab-tour) run a task's latest: it trained on a sample
        runs = [r for r in found if r.data.tags.get(tracking.KIND_TAG, "training") == "training"
                and not is_tour(r.data.tags.get("dvc.exp_name"))]
        if not runs:
            raise EmbedlabError(f"no finished {target} training run in {tracking.tracking_uri()}; "
                                f"run `dvc repro` first")
        return runs[0]
    try:
        run = client.get_run(target)
    except MlflowException:
        raise EmbedlabError(f"{target!r} is neither a task ({', '.join(NAMES)}) nor a run id in "
                            f"{tracking.tracking_uri()}") from None
    if run.info.status != "FINISHED":
        raise EmbedlabError(f"run {target} is {run.info.status}: only a finished run has a whole history")
    return run


def logged_history(client, run) -> dict[str, dict[int, float]]:
    """The run's per-epoch metrics, {name: {epoch: value}}; final scores (step 0) are not per epoch,
    nor is the loss logged by optimizer step."""
    history = {}
    for name in run.data.metrics.keys() - {tracking.STEP_LOSS}:
        values = {m.step: m.value for m in client.get_metric_history(run.info.run_id, name) if m.step >= 1}
        if values:
            history[name] = values
    return history


def code_finding(tags: dict[str, str]) -> Finding:
    commit = tags.get("git.commit")
    if not commit:
        return Finding("code", None, "the run recorded no git commit")
    changed = tracking.git("diff", "--name-only", commit, "--", *CODE)
    if changed is None:
        return Finding("code", None, f"the run's commit {commit[:10]} is not in this repository")
    untracked = tracking.git("ls-files", "--others", "--exclude-standard", "--", *CODE) or ""
    files = sorted(set(changed.splitlines()) | set(untracked.splitlines()))
    head = tracking.git("rev-parse", "HEAD")
    since = f"since the run's commit {commit[:10]}" + (f" (now {head[:10]})" if head and head != commit else "")
    detail = (f"changed under {_CODE_DIRS} {since}: {', '.join(files)}" if files
              else f"no change under {_CODE_DIRS} {since}")
    if tags.get("git.dirty") == "true":
        # the run's own uncommitted changes were never recorded, so its code is not known exactly
        return Finding("code", None, f"{detail}; the run had uncommitted changes "
                                     f"({tags.get('git.dirty_files', 'unnamed')})")
    return Finding("code", bool(files), detail, tuple(files))


def keeps_freed_memory(task_name: str, run_name: str) -> bool:
    """Whether a retraining keeps freed memory for reuse, as its stage does under `dvc repro`: all
    but an IMDB classifier's, whose reviews of every length fragment a heap that keeps it (twice
    the peak memory; cli.run_stage). With --lm its language model then trains at malloc's
    default too, about a fifth slower, rather than leave the classifier twice the memory."""
    return task_name != "imdb" or run_name == imdb.LM_RUN


def reproduce(target: str, retrain_lm: bool = False) -> bool:
    """Print the comparison; True when every per-epoch metric matches the run exactly."""
    from mlflow import MlflowClient

    os.chdir(project_root())  # the data paths, params.yaml and git are the project's
    uri = tracking.tracking_uri()
    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).is_file():
        raise EmbedlabError(f"no MLflow store at {uri}; train first (`dvc repro`)")
    client = MlflowClient(tracking_uri=uri)
    run = find_run(client, target)
    task_name = client.get_experiment(run.info.experiment_id).name
    task = imdb_task(client, run, retrain_lm) if task_name == "imdb" else _task(task_name)
    if keeps_freed_memory(task_name, run.info.run_name):
        keep_freed_memory()
    tags = run.data.tags
    print(f"run {run.info.run_id} ({task_name}, {run.info.run_name!r}, "
          f"commit {tags.get('git.commit', 'unknown')[:10]})")

    split = task.read_split()
    tree = _tree(run)
    print(f"retraining {task_name} with the run's params on the current code and data", flush=True)
    try:
        history = task.train(tree, split)
    except EmbedlabError as exc:
        # most often params the current code no longer takes (a key added or renamed since)
        raise EmbedlabError(f"retraining with the run's params failed: {exc}") from None

    compared, mismatches = compare_metrics(history, logged_history(client, run))
    now_params = {key: str(value) for key, value in tracking.task_params(params.load(), task_name).items()}
    findings = [
        params_finding(run.data.params, now_params),
        code_finding(tags),
        data_finding({i.dataset.name: i.dataset.digest for i in run.inputs.dataset_inputs},
                     {dataset.name: dataset.digest for dataset in task.datasets(split)}),
        libraries_finding(tags, tracking.environment_tags()),
    ]
    for finding in findings:
        print(f"{finding.kind + ':':11s}{finding.detail}")
    print(verdict(compared, len(history), mismatches, findings))
    return not mismatches


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="embedlab-reproduce",
                                     description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    parser.add_argument("run", metavar="RUN_ID_OR_TASK",
                        help=f"an MLflow run id, or a task ({', '.join(NAMES)}) for its latest finished run")
    parser.add_argument("--lm", action="store_true",
                        help="IMDB classifier runs: retrain the language model too (another 20+ minutes on a "
                             "CPU), rather than start from the weights its run logged")
    args = parser.parse_args(argv)

    def check() -> None:
        if not reproduce(args.run, args.lm):
            sys.exit(1)

    run_stage(check, reuse_freed_memory=False)  # reproduce() decides, once it knows the run


if __name__ == "__main__":
    main()
