"""movielens_baselines: the global mean and regularised user + movie biases, scored on the model's
validation ratings (params movielens.baselines); their own MLflow run."""
import json

import mlflow

from embedlab import params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.metrics import regression
from embedlab.movielens import baselines, pipeline
from embedlab.movielens.config import load_config


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params).baselines
    split = pipeline.read_split()
    y = split.valid["rating"].to_numpy()
    scores = {
        "baseline_global_mean": regression(y, baselines.global_mean(split.train, split.valid)),
        "baseline_biases": regression(y, baselines.biases(split.train, split.valid, cfg.user_reg, cfg.item_reg)),
    }
    with atomic_path(pipeline.BASELINES) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    with tracking.run("movielens", run_name="baselines", kind="baselines"):
        tracking.log_task_params(all_params, "movielens")
        for dataset in pipeline.datasets(split):
            tracking.log_dataset(dataset)
        mlflow.log_metrics({f"{name}_{metric}": value for name, values in scores.items()
                            for metric, value in values.items()})
    print(json.dumps(scores))


if __name__ == "__main__":
    run_stage(main)
