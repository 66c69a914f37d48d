"""rossmann_evaluate: the networks scored on the validation rows -> metrics, plots and predictions,
added to the training's MLflow run, whose model then goes in the registry (tracking.register)."""
import json

import mlflow
import numpy as np
import pandas as pd

from embedlab import plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.metrics import rmspe, rmspe_batch_mean
from embedlab.rossmann import interpret, learner, pipeline


def main() -> None:
    split = pipeline.read_split()
    valid = split.valid_sales
    model = learner.load(pipeline.MODEL)
    pred = model.predict(valid)
    y = valid["Sales"].to_numpy(np.float64)
    scores = {
        "rmspe": rmspe(y, pred),
        "rmspe_lesson_style": rmspe_batch_mean(y, pred),  # rows in train.csv order, as the notebook's
        "n_valid": len(valid),
        "valid_start": f"{valid['Date'].min():%Y-%m-%d}",
        "valid_end": f"{valid['Date'].max():%Y-%m-%d}",
    }
    with atomic_path(pipeline.METRICS) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    scored = valid[["Store", "Date", "StoreType", "Sales"]].assign(prediction=pred)
    with atomic_path(pipeline.PREDICTIONS) as tmp:
        scored.to_parquet(tmp, index=False)

    def by(key):
        return scored.groupby(key, observed=True).apply(lambda g: rmspe(g["Sales"], g["prediction"]),
                                                         include_groups=False)

    plots.learning_curves(pd.read_csv(pipeline.HISTORY), pipeline.LEARNING_CURVES,
                          "Rossmann: MSE of log sales")
    plots.density(y, pred, pipeline.PLOTS / "predicted_vs_actual.png",
                  f"Rossmann: validation RMSPE {scores['rmspe']:.4f}")
    plots.bars(by("StoreType"), pipeline.PLOTS / "rmspe_by_store_type.png", "RMSPE by store type", "RMSPE")
    plots.series(by("Date"), pipeline.PLOTS / "rmspe_by_date.png", "RMSPE by validation day", "RMSPE")
    stores = interpret.embedding_components(model.net, model.prep, "Store").merge(
        split.train.drop_duplicates("Store")[["Store", "StoreType"]], on="Store")
    plots.labelled_scatter(stores, "pc1", "pc2", None, pipeline.STORE_EMBEDDING,
                           "Store embeddings, first two principal components", color="StoreType")
    for column in ("State", "DayOfWeek"):
        plots.labelled_scatter(interpret.embedding_components(model.net, model.prep, column), "pc1", "pc2", column,
                               pipeline.PLOTS / f"embedding_{column.lower()}.png",
                               f"{column} embeddings, first two principal components")
    with tracking.model_run("rossmann", pipeline.MODEL) as run:
        mlflow.log_metrics({"final_rmspe": scores["rmspe"], "rmspe_lesson_style": scores["rmspe_lesson_style"]})
        mlflow.log_artifact(str(pipeline.METRICS), "evaluation")
        mlflow.log_artifacts(str(pipeline.PLOTS), "evaluation/plots")
    tracking.register("rossmann", run.info.run_id)
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    run_stage(main)
