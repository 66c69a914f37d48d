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

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

import mlflow
import pandas as pd

from embedlab import plots, tracking
from embedlab.errors import EmbedlabError
from embedlab.params import build, flatten

T = TypeVar("T")
# (config, on_epoch) -> (per-epoch history, training loss with dropout off)
TrainOne = Callable[[Any, Callable[[dict], None]], tuple[list[dict], float]]


@dataclass(frozen=True)
class StudyConfig:
    """`<task>.dropout_study` in params.yaml."""
    train: dict     # changes to the task's train section shared by every run
    settings: dict  # setting name -> that run's dropouts

    def __post_init__(self):
        if not isinstance(self.train, dict):
            raise EmbedlabError(f"dropout_study.train must be a mapping of train params, got {self.train!r}")
        if not isinstance(self.settings, dict) or not self.settings:
            raise EmbedlabError("dropout_study.settings must map setting names to dropouts, "
                                "e.g. {none: {emb_dropout: 0.0}, lesson: {emb_dropout: 0.05}}")


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


def run(task: str, configs: dict[str, Any], settings: dict[str, dict], train_one: TrainOne,
        all_params: dict, out: Path, title: str) -> pd.DataFrame:
    """Train every setting as a child run of one `dropout study` MLflow run; write study.csv,
    curves.csv and their plots into `out` (a fresh folder) and log them to the parent run."""
    results: dict[str, tuple[list[dict], float]] = {}
    with tracking.run(task, run_name="dropout study") as parent:
        mlflow.set_tag("study", "dropout")
        tracking.log_task_params(all_params, task)
        for name, cfg in configs.items():
            with mlflow.start_run(run_name=f"dropout: {name}", nested=True,
                                  experiment_id=parent.info.experiment_id,
                                  tags={**tracking.provenance_tags(), "study": "dropout",
                                        "dropout.setting": name}):
                mlflow.log_params(flatten({task: {"train": asdict(cfg)}}))
                print(f"dropout setting {name!r}: {describe(settings[name])}", flush=True)
                history, train_loss_eval = train_one(cfg, lambda row: tracking.log_epoch(row, step=row["epoch"]))
                mlflow.log_metric("train_loss_eval", train_loss_eval)
                mlflow.log_metric("gap", history[-1]["valid_loss"] - train_loss_eval)
            results[name] = (history, train_loss_eval)
        table, per_epoch = summarize(results, settings), curves(results)
        table.to_csv(out / "study.csv", index=False)
        per_epoch.to_csv(out / "curves.csv", index=False)
        plots.dropout_study(table, out / "study.png", title)
        plots.dropout_curves(per_epoch, out / "curves.png", title)
        for row in table.itertuples():
            mlflow.log_metrics({f"{row.setting}_train_loss_eval": row.train_loss_eval,
                                f"{row.setting}_valid_loss": row.valid_loss, f"{row.setting}_gap": row.gap})
        mlflow.log_artifacts(str(out), "dropout_study")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"MLflow run {parent.info.run_id}")
    return table
