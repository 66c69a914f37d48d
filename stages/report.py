"""report: every task's metrics, plots and dropout study -> eval/report/report.md with its images
beside it; also logged as the artifact of a run in MLflow's `report` experiment."""
import shutil
from pathlib import Path

import mlflow
import pandas as pd

from embedlab import report, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage

EVAL = Path("eval")
OUT = Path("eval/report")
RUN_FOLDERS = {"movielens": Path("data/movielens/model"), "rossmann": Path("data/rossmann/model"),
               "imdb": Path("data/imdb/classifier")}


def main() -> None:
    commit = tracking.provenance_tags().get("git.commit", "an uncommitted tree")
    run_ids = {}
    with atomic_path(OUT, is_dir=True) as tmp:
        sections = []
        for task in report.TASKS:
            folder = EVAL / task.name
            metrics_file = folder / "metrics.json"
            metrics = report.read_metrics(metrics_file.read_text() if metrics_file.is_file() else None)
            old = report.read_metrics(report.committed(metrics_file.as_posix()))
            images = []
            for relative in task.images:
                if (folder / relative).is_file():
                    images.append(report.image_name(task.name, relative))
                    shutil.copyfile(folder / relative, tmp / images[-1])
            study_file = folder / "dropout" / "study.csv"
            study = pd.read_csv(study_file) if study_file.is_file() else None
            run_file = RUN_FOLDERS[task.name] / tracking.RUN_FILE
            run_ids[task.name] = run_file.read_text().strip() if run_file.is_file() else None
            sections.append(report.task_section(task, metrics, old, images, study, run_ids[task.name]))
        (tmp / "report.md").write_text(report.render(sections, f"commit {commit[:12]}"))
    with tracking.run("report", run_name="report"):
        mlflow.set_tags({f"{task}.run_id": run_id for task, run_id in run_ids.items() if run_id})
        mlflow.log_artifacts(str(OUT), "report")
    print(f"{OUT / 'report.md'} ({len(list(OUT.iterdir())) - 1} images)")


if __name__ == "__main__":
    run_stage(main)
