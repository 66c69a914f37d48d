"""report: every task's metrics, baselines, plots and dropout study -> a markdown report with its
images beside it; also the artifact of a run in MLflow's `report` experiment."""
import shutil
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd

from embedlab import dropout_study, report, runs, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import pipeline as imdb
from embedlab.movielens import pipeline as movielens
from embedlab.rossmann import pipeline as rossmann

OUT = Path("eval/report")


@dataclass(frozen=True)
class Files:
    metrics: tuple[Path, ...]  # the model's, then its baselines'
    images: tuple[Path, ...]   # in the order shown
    study: Path | None         # the dropout study's table


FILES = {
    "movielens": Files((movielens.METRICS, movielens.BASELINES),
                       (movielens.LEARNING_CURVES, movielens.DROPOUT / dropout_study.TABLE_PLOT),
                       movielens.DROPOUT / dropout_study.TABLE),
    "rossmann": Files((rossmann.METRICS, rossmann.BASELINES),
                      (rossmann.LEARNING_CURVES, rossmann.DROPOUT / dropout_study.TABLE_PLOT, rossmann.STORE_EMBEDDING),
                      rossmann.DROPOUT / dropout_study.TABLE),
    "imdb": Files((imdb.METRICS, imdb.BASELINES), (imdb.CLASSIFIER_CURVES, imdb.LM_CURVES), None),
}


def main() -> None:
    with atomic_path(OUT, is_dir=True) as tmp:
        sections = []
        for task in report.TASKS:
            files = FILES[task.name]
            metrics = {k: v for path in files.metrics if path.is_file()
                       for k, v in report.read_metrics(path.read_text()).items()}
            images = []
            for image in files.images:
                if image.is_file():
                    images.append(report.image_name(task.name, image))
                    shutil.copyfile(image, tmp / images[-1])
            study = pd.read_csv(files.study) if files.study and files.study.is_file() else None
            sections.append(report.task_section(task, metrics, images, study))
        (tmp / "report.md").write_text(report.render(sections))
    with tracking.run("report", run_name="report", kind="report"):
        mlflow.set_tags({f"{task}.run_id": tracking.find_model_run(task, model) or "none"
                         for task, model in runs.SERVED.items() if model.is_file()})
        mlflow.log_artifacts(str(OUT), "report")
    print(f"{OUT / 'report.md'} ({len(list(OUT.iterdir())) - 1} images)")


if __name__ == "__main__":
    run_stage(main)
