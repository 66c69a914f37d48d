"""movielens_evaluate: the model scored on the validation ratings -> metrics, plots and predictions,
added to the training's MLflow run, whose model then goes in the registry (tracking.register)."""
import json

import mlflow
import pandas as pd

from embedlab import plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.metrics import regression
from embedlab.movielens import learner, pipeline


def main() -> None:
    valid = pipeline.read(pipeline.VALID, "movielens_split")
    model = learner.load(pipeline.MODEL)
    pred = model.predict(valid)
    y = valid["rating"].to_numpy()
    scores = {"model": regression(y, pred), "n_valid": len(valid)}
    with atomic_path(pipeline.METRICS) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    with atomic_path(pipeline.PREDICTIONS) as tmp:
        valid.assign(prediction=pred).to_parquet(tmp, index=False)
    plots.learning_curves(pd.read_csv(pipeline.HISTORY), pipeline.LEARNING_CURVES,
                          f"MovieLens {model.cfg.model}: MSE per epoch")
    plots.predicted_vs_actual(y, pred, pipeline.PLOTS / "predicted_vs_actual.png",
                              f"MovieLens {model.cfg.model}: validation RMSE {scores['model']['rmse']:.4f}")
    with tracking.model_run("movielens", pipeline.MODEL) as run:
        mlflow.log_metrics({f"final_{name}": value for name, value in scores["model"].items()})
        mlflow.log_artifact(str(pipeline.METRICS), "evaluation")
        mlflow.log_artifacts(str(pipeline.PLOTS), "evaluation/plots")
        mlflow.log_artifact(str(pipeline.PREDICTIONS), "evaluation")
    tracking.register("movielens", run.info.run_id)
    print(json.dumps(scores))


if __name__ == "__main__":
    run_stage(main)
