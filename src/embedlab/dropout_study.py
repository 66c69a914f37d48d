"""The lesson's dropout study: one model trained at several dropout settings, and what each did to
the gap between training and validation loss.

A study lives in params.yaml beside the task's train section:

    <task>:
      dropout_study:
        train: {epochs: 5}            # changes to <task>.train shared by every run of the study
        settings:                     # name: the dropouts of that run
          none: {emb_dropout: 0.0}
          lesson: {emb_dropout: 0.05}

The training loss a model reports while it learns has its dropout on, so a heavily dropped-out
network looks worse on its own training data than on validation. The gap we report compares like
with like: validation loss minus the training loss measured with dropout off (`train_loss_eval`).
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, TypeVar

import mlflow
import pandas as pd

from embedlab import params, plots, tracking
from embedlab.atomic import atomic_path
from embedlab.dropout_config import StudyConfig
from embedlab.params import build, flatten

T = TypeVar("T")
# what a study writes into its folder
TABLE, TABLE_PLOT, CURVES, CURVES_PLOT = "study.csv", "study.png", "curves.csv", "curves.png"
# (config, on_epoch) -> (per-epoch history, training loss with dropout off)
TrainOne = Callable[[Any, Callable[[dict], None]], tuple[list[dict], float]]


def study_configs(config_cls: type[T], train: dict, study: StudyConfig, where: str) -> dict[str, T]:
    """One checked train config per setting: the task's train section, then the study's shared
    changes, then the setting's own dropouts."""
    return {str(name): build(config_cls, {**train, **study.train, **(changes or {})}, f"{where}.settings.{name}")
            for name, changes in study.settings.items()}


def describe(changes: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in (changes or {}).items())


def summarize(results: dict[str, tuple[list[dict], float]], settings: dict[str, dict]) -> pd.DataFrame:
    """One row per setting: the last epoch's losses and the generalisation gap."""
    rows = []
    for name, (history, train_loss_eval) in results.items():
        last = history[-1]
        rows.append({"setting": name, "dropouts": describe(settings[name]),
                     "train_loss": last["train_loss"], "train_loss_eval": train_loss_eval,
                     "valid_loss": last["valid_loss"], "gap": last["valid_loss"] - train_loss_eval})
    return pd.DataFrame(rows)


def curves(results: dict[str, tuple[list[dict], float]]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame(history).assign(setting=name) for name, (history, _) in results.items()],
                     ignore_index=True)


def run(task: str, config_cls: type[T], train_one: TrainOne, out: Path, title: Callable[[T], str]) -> pd.DataFrame:
    """The study params.yaml describes for `task`: every setting trained as a child run of one
    `dropout study` MLflow run; study.csv, curves.csv and their plots written into the folder `out`
    (whole or not at all) and logged to the parent run. `title(config)` heads the plots."""
    all_params = params.load()
    where = f"{task}.dropout_study"
    study = build(StudyConfig, params.section(all_params, where), where)
    configs = study_configs(config_cls, params.section(all_params, f"{task}.train"), study, where)
    results: dict[str, tuple[list[dict], float]] = {}
    with tracking.run(task, run_name="dropout study", kind="study") as parent, \
            atomic_path(out, is_dir=True) as folder:
        mlflow.set_tag("study", "dropout")
        tracking.log_task_params(all_params, task)
        for name, cfg in configs.items():
            with tracking.child_run(parent, f"dropout: {name}", {"study": "dropout", "dropout.setting": name}):
                mlflow.log_params(flatten({task: {"train": asdict(cfg)}}))
                print(f"dropout setting {name!r}: {describe(study.settings[name])}", flush=True)
                history, train_loss_eval = train_one(cfg, lambda row: tracking.log_epoch(row, step=row["epoch"]))
                mlflow.log_metric("train_loss_eval", train_loss_eval)
                mlflow.log_metric("gap", history[-1]["valid_loss"] - train_loss_eval)
            results[name] = (history, train_loss_eval)
        table, per_epoch = summarize(results, study.settings), curves(results)
        table.to_csv(folder / TABLE, index=False)
        per_epoch.to_csv(folder / CURVES, index=False)
        heading = title(next(iter(configs.values())))
        plots.dropout_study(table, folder / TABLE_PLOT, heading)
        plots.dropout_curves(per_epoch, folder / CURVES_PLOT, heading)
        for row in table.itertuples():
            mlflow.log_metrics({f"{row.setting}_train_loss_eval": row.train_loss_eval,
                                f"{row.setting}_valid_loss": row.valid_loss, f"{row.setting}_gap": row.gap})
        mlflow.log_artifacts(str(folder), "dropout_study")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"MLflow run {parent.info.run_id}")
    return table
