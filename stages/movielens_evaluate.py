"""movielens_evaluate: model + split -> eval/movielens/metrics.json, plots, predictions; model and
baselines scored on the same validation rows, added to the training's MLflow run."""
import json
from pathlib import Path

import mlflow
import pandas as pd

from embedlab import params, plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.metrics import regression
from embedlab.movielens import baselines, learner
from embedlab.movielens.config import load_config

SPLIT = Path("data/movielens/split")
MODEL = Path("data/movielens/model")
HISTORY = Path("eval/movielens/history.csv")
METRICS = Path("eval/movielens/metrics.json")
PLOTS = Path("eval/movielens/plots")
PREDICTIONS = Path("data/movielens/predictions.parquet")


def main() -> None:
    cfg = load_config(params.load()).evaluate
    train = pd.read_parquet(SPLIT / "train.parquet")
    valid = pd.read_parquet(SPLIT / "valid.parquet")
    model, train_cfg, users, items = learner.load(MODEL / "model.pt")
    pred = learner.predict_ratings(model, valid, users, items)
    y = valid["rating"].to_numpy()
    scores = {
        "model": regression(y, pred),
        "baseline_global_mean": regression(y, baselines.global_mean(train, valid)),
        "baseline_biases": regression(y, baselines.biases(train, valid, cfg.user_reg, cfg.item_reg)),
        "n_valid": len(valid),
    }
    with atomic_path(METRICS) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    with atomic_path(PREDICTIONS) as tmp:
        valid.assign(prediction=pred).to_parquet(tmp, index=False)
    plots.learning_curves(pd.read_csv(HISTORY), PLOTS / "learning_curves.png",
                          f"MovieLens {train_cfg.model}: MSE per epoch")
    plots.predicted_vs_actual(y, pred, PLOTS / "predicted_vs_actual.png",
                              f"MovieLens {train_cfg.model}: validation RMSE {scores['model']['rmse']:.4f}")
    with tracking.run("movielens", run_id=tracking.load_run_id(MODEL)):
        mlflow.log_metrics({f"{group}_{name}" if group != "model" else f"final_{name}": value
                            for group, values in scores.items() if isinstance(values, dict)
                            for name, value in values.items()})
        mlflow.log_artifact(str(METRICS), "evaluation")
        mlflow.log_artifacts(str(PLOTS), "evaluation/plots")
        mlflow.log_artifact(str(PREDICTIONS), "evaluation")
    for group, values in scores.items():
        print(f"{group:22s} {values}")


if __name__ == "__main__":
    run_stage(main)
