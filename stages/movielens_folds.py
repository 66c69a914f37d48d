"""movielens_folds (folds/dvc.yaml, on demand): ml-100k's prepared ratings -> the model of
movielens.train trained on each official fold u1..u5 and scored on its test set as shipped; each
fold's RMSE and the mean in eval/movielens/folds.json, beside the published figures in folds.md.
One MLflow run of kind `study` with a child run per fold."""
import json

import mlflow

from embedlab import params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.metrics import regression
from embedlab.movielens import folds, learner, pipeline
from embedlab.movielens.config import load_config
from embedlab.training import pick_device


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params).train
    ratings = pipeline.read(pipeline.RATINGS, "movielens_prepare")
    folds.splits(ratings)  # refuse a release without folds before any run starts

    def train_one(name, train, test):
        with tracking.child_run(parent, f"fold: {name}", {"study": "folds", "fold": name}):
            mlflow.log_params({"fold": name, "n_train": len(train), "n_test": len(test)})
            print(f"fold {name}: {len(train):,} training, {len(test):,} test ratings", flush=True)
            trained = learner.train(cfg, train, test, pick_device(),
                                    on_epoch=lambda row: tracking.log_epoch(row, step=row["epoch"]))
            scores = regression(test["rating"].to_numpy(), trained.model.predict(test))
            mlflow.log_metrics({f"test_{metric}": value for metric, value in scores.items()})
            return scores["rmse"]

    with tracking.run("movielens", run_name="official folds", kind="study") as parent:
        mlflow.set_tag("study", "folds")
        tracking.log_task_params(all_params, "movielens")
        summary = folds.run(ratings, train_one)
        text = folds.table(summary, cfg.model)
        with atomic_path(pipeline.FOLDS_METRICS) as tmp:
            tmp.write_text(json.dumps(summary, indent=2) + "\n")
        with atomic_path(pipeline.FOLDS_TABLE) as tmp:
            tmp.write_text(text)
        mlflow.log_metrics({f"{name}_rmse": values["rmse"] for name, values in summary.items()})
        mlflow.log_artifact(str(pipeline.FOLDS_METRICS), "folds")
        mlflow.log_artifact(str(pipeline.FOLDS_TABLE), "folds")
    print(text, end="")
    print(f"MLflow run {parent.info.run_id}")


if __name__ == "__main__":
    run_stage(main)
