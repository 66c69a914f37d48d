"""rossmann_baselines: a per-store-and-weekday median and gradient boosting on the lesson's features,
scored on the networks' validation rows (params rossmann.baselines); their own MLflow run."""
import json
import time

import mlflow
import numpy as np

from embedlab import params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.metrics import rmspe
from embedlab.rossmann import baselines, pipeline, preprocess
from embedlab.rossmann.config import load_config
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params).baselines
    split = pipeline.read_split()
    train, valid = split.train[split.train["Sales"] > 0], split.valid_sales
    y = valid["Sales"].to_numpy(np.float64)
    start = time.perf_counter()
    boosted = baselines.gradient_boosting(preprocess.fit(train, CATEGORICAL, CONTINUOUS), train, valid, cfg)
    seconds = time.perf_counter() - start
    scores = {"baseline_store_weekday_median": rmspe(y, baselines.store_weekday_median(train, valid)),
              "baseline_gradient_boosting": rmspe(y, boosted)}
    with atomic_path(pipeline.BASELINES) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    with tracking.run("rossmann", run_name="baselines", kind="baselines"):
        tracking.log_task_params(all_params, "rossmann")
        mlflow.log_metrics({**scores, "gradient_boosting_seconds": seconds})
    print(json.dumps(scores, indent=2), f"(gradient boosting: {seconds:.0f} s)")


if __name__ == "__main__":
    run_stage(main)
