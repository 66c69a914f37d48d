"""The MLflow sequence every training stage shares: one run with the task's params and the data it
reads (with digests), a row of metrics per epoch (and the training loss every
training.STEP_LOG_EVERY steps), then the model file and the per-epoch history written whole, and
the run tagged with the model file's md5, by which later stages find it."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

import mlflow
import pandas as pd

from embedlab import tracking
from embedlab.atomic import atomic_path
from embedlab.datasets import Dataset


class TrainingRun:
    def __init__(self, run_id: str):
        self.run_id = run_id
        self.steps = 0  # optimizer steps so far, over every fit of the run (ensemble members, stages)

    def log_epoch(self, row: dict) -> None:
        tracking.log_epoch(row, step=row["epoch"])

    def log_steps(self, mean_loss: float, steps: int) -> None:
        """training.fit's on_step: the running training loss against the run's optimizer step."""
        self.steps += steps
        mlflow.log_metric(tracking.STEP_LOSS, mean_loss, step=self.steps)

    def save(self, model_path: Path, save_model: Callable[[Path], None], history_path: Path,
             history: list[dict]) -> None:
        """`save_model(model_path)` writes the model whole (as every learner's save does); then the
        run is tagged with its md5 and the history goes beside it as CSV and as an artifact."""
        save_model(model_path)
        mlflow.set_tag(tracking.MODEL_TAG, tracking.file_md5(model_path))
        with atomic_path(history_path) as tmp:
            pd.DataFrame(history).to_csv(tmp, index=False)
        mlflow.log_artifact(str(history_path))


@contextmanager
def training_run(task: str, run_name: str, all_params: dict, datasets: Iterable[Dataset],
                 tags: dict[str, str] | None = None) -> Iterator[TrainingRun]:
    with tracking.run(task, run_name=run_name, tags=tags) as active:
        tracking.log_task_params(all_params, task)
        for dataset in datasets:
            tracking.log_dataset(dataset)
        yield TrainingRun(active.info.run_id)
    print(f"MLflow run {active.info.run_id} ({tracking.tracking_uri()})")
