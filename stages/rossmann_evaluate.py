"""rossmann_evaluate: model + split -> eval/rossmann/metrics.json and plots; the network and two
baselines scored on the same validation rows, added to the training's MLflow run."""
import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from embedlab import params, plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.metrics import rmspe, rmspe_batch_mean
from embedlab.rossmann import baselines, interpret, learner
from embedlab.rossmann.config import load_config
from embedlab.rossmann.split import apply_split

FEATURES = Path("data/rossmann/features/train.parquet")
SPLIT = Path("data/rossmann/split.parquet")
MODEL = Path("data/rossmann/model")
HISTORY = Path("eval/rossmann/history.csv")
METRICS = Path("eval/rossmann/metrics.json")
PLOTS = Path("eval/rossmann/plots")
PREDICTIONS = Path("data/rossmann/valid_predictions.parquet")


def main() -> None:
    cfg = load_config(params.load())
    train, valid = apply_split(pd.read_parquet(FEATURES), pd.read_parquet(SPLIT))
    train = learner.training_rows(train, cfg.train)
    valid = valid[valid["Sales"] > 0]  # Kaggle ignores zero-sales days
    model, _, prep = learner.load(MODEL / "model.pt")
    pred = learner.predict_sales(model, prep, valid)
    y = valid["Sales"].to_numpy(np.float64)
    scores = {
        "rmspe": rmspe(y, pred),
        "rmspe_lesson_style": rmspe_batch_mean(y, pred),  # rows in train.csv order, as the notebook's
        "baseline_store_weekday_median": rmspe(y, baselines.store_weekday_median(train, valid)),
        "baseline_gradient_boosting": rmspe(y, baselines.gradient_boosting(
            prep, train, valid, cfg.evaluate.gbm_max_iter, cfg.train.seed)),
        "n_valid": len(valid),
        "valid_start": f"{valid['Date'].min():%Y-%m-%d}",
        "valid_end": f"{valid['Date'].max():%Y-%m-%d}",
    }
    with atomic_path(METRICS) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    scored = valid[["Store", "Date", "StoreType", "Sales"]].assign(prediction=pred)
    with atomic_path(PREDICTIONS) as tmp:
        scored.to_parquet(tmp, index=False)

    def by(key):
        return scored.groupby(key, observed=True).apply(lambda g: rmspe(g["Sales"], g["prediction"]),
                                                         include_groups=False)

    plots.learning_curves(pd.read_csv(HISTORY), PLOTS / "learning_curves.png", "Rossmann: MSE of log sales")
    plots.density(y, pred, PLOTS / "predicted_vs_actual.png", f"Rossmann: validation RMSPE {scores['rmspe']:.4f}")
    plots.bars(by("StoreType"), PLOTS / "rmspe_by_store_type.png", "RMSPE by store type", "RMSPE")
    plots.series(by("Date"), PLOTS / "rmspe_by_date.png", "RMSPE by validation day", "RMSPE")
    stores = interpret.embedding_components(model, prep, "Store").merge(
        train.drop_duplicates("Store")[["Store", "StoreType"]], on="Store")
    plots.labelled_scatter(stores, "pc1", "pc2", None, PLOTS / "embedding_store.png",
                           "Store embeddings, first two principal components", color="StoreType")
    for column in ("State", "DayOfWeek"):
        plots.labelled_scatter(interpret.embedding_components(model, prep, column), "pc1", "pc2", column,
                               PLOTS / f"embedding_{column.lower()}.png",
                               f"{column} embeddings, first two principal components")
    with tracking.run("rossmann", run_id=tracking.load_run_id(MODEL)):
        mlflow.log_metrics({f"final_{k}" if k == "rmspe" else k: v for k, v in scores.items()
                            if isinstance(v, float)})
        mlflow.log_artifact(str(METRICS), "evaluation")
        mlflow.log_artifacts(str(PLOTS), "evaluation/plots")
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    run_stage(main)
