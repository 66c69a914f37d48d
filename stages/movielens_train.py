"""movielens_train: split -> data/movielens/model (params movielens.train); one MLflow run per training."""
from pathlib import Path

import mlflow
import pandas as pd

from embedlab import params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.movielens import learner
from embedlab.movielens.config import load_config
from embedlab.movielens.serve import log_rating_model
from embedlab.training import pick_device

SPLIT = Path("data/movielens/split")
OUT = Path("data/movielens/model")
HISTORY = Path("eval/movielens/history.csv")


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params).train
    train_df = pd.read_parquet(SPLIT / "train.parquet")
    valid_df = pd.read_parquet(SPLIT / "valid.parquet")
    with tracking.run("movielens", run_name=cfg.model) as run:
        tracking.log_task_params(all_params, "movielens")
        tracking.log_dataset(train_df, name="movielens-train", source=SPLIT / "train.parquet",
                             context="training", targets="rating")
        tracking.log_dataset(valid_df, name="movielens-valid", source=SPLIT / "valid.parquet",
                             context="validation", targets="rating")
        model, users, items, history = learner.train(
            cfg, train_df, valid_df, pick_device(),
            on_epoch=lambda row: tracking.log_epoch(row, step=row["epoch"]))
        with atomic_path(OUT, is_dir=True) as tmp:
            learner.save(tmp / "model.pt", model, cfg, users, items)
            tracking.save_run_id(run.info.run_id, tmp)
        with atomic_path(HISTORY) as tmp:
            pd.DataFrame(history).to_csv(tmp, index=False)
        mlflow.log_artifact(str(HISTORY))
        log_rating_model(OUT / "model.pt", model, users, items, valid_df)
    print(f"MLflow run {run.info.run_id} ({tracking.tracking_uri()})")


if __name__ == "__main__":
    run_stage(main)
