"""rossmann_train: features + split -> data/rossmann/model (params rossmann.train); one MLflow run,
whose model serves raw test.csv rows (with the store tables of data/raw/rossmann)."""
from pathlib import Path

import mlflow
import pandas as pd

from embedlab import params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.rossmann import learner
from embedlab.rossmann.config import load_config
from embedlab.rossmann.features import EVENT_KEYS
from embedlab.rossmann.serve import log_sales_model
from embedlab.rossmann.split import apply_split
from embedlab.training import pick_device

FEATURES = Path("data/rossmann/features/train.parquet")
SPLIT = Path("data/rossmann/split.parquet")
OUT = Path("data/rossmann/model")
HISTORY = Path("eval/rossmann/history.csv")
RAW = Path("data/raw/rossmann")


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params)
    train_df, valid_df = apply_split(pd.read_parquet(FEATURES), pd.read_parquet(SPLIT))
    with tracking.run("rossmann", run_name=f"{cfg.split.method} split") as run:
        tracking.log_task_params(all_params, "rossmann")
        if cfg.split.method == "random":
            mlflow.set_tag("split.misleading", "random rows leak the future into training")
        tracking.log_dataset(train_df, name="rossmann-train", source=FEATURES, context="training",
                             targets="Sales")
        tracking.log_dataset(valid_df, name="rossmann-valid", source=FEATURES, context="validation",
                             targets="Sales")
        model, prep, history = learner.train(cfg.train, train_df, valid_df, pick_device(),
                                             on_epoch=lambda row: tracking.log_epoch(row, step=row["epoch"]))
        with atomic_path(OUT, is_dir=True) as tmp:
            learner.save(tmp / "model.pt", model, cfg.train, prep)
            tracking.save_run_id(run.info.run_id, tmp)
        with atomic_path(HISTORY) as tmp:
            pd.DataFrame(history).to_csv(tmp, index=False)
        mlflow.log_artifact(str(HISTORY))
        # all training rows, the validation window included: the history the features look back on
        log_sales_model(OUT / "model.pt", RAW, pd.read_parquet(FEATURES, columns=EVENT_KEYS))
    print(f"MLflow run {run.info.run_id} ({tracking.tracking_uri()})")


if __name__ == "__main__":
    run_stage(main)
