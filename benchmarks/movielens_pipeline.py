"""MovieLens bars: whole `dvc repro` from the archive under 2 minutes, a no-op repro under 5 seconds,
identical metrics from two trainings with the same params, RMSE <= 0.870 and below both baselines.

Run from the project root with the venv active (and EMBEDLAB_DATA_MIRROR set when offline):
    python benchmarks/movielens_pipeline.py
It re-runs the real pipeline in this workspace (forced, without DVC's run cache), so each pass
also adds an MLflow run."""
from __future__ import annotations

import json
import subprocess
import time
from embedlab.movielens.pipeline import BASELINES, METRICS

TARGETS = ["movielens_evaluate", "movielens_baselines", "movielens_interpret"]


def timed(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    full = timed("dvc", "repro", "--force", "--no-run-cache", *TARGETS)
    first = {**json.loads(METRICS.read_text()), **json.loads(BASELINES.read_text())}
    noop = timed("dvc", "repro", *TARGETS)
    again = timed("dvc", "repro", "--force", "--no-run-cache", *TARGETS)
    second = {**json.loads(METRICS.read_text()), **json.loads(BASELINES.read_text())}

    rmse = first["model"]["rmse"]
    rows = [
        ("full dvc repro, archive -> evaluated model (s)", f"{full:.1f}", full < 120),
        ("second full run (s)", f"{again:.1f}", again < 120),
        ("no-op dvc repro (s)", f"{noop:.2f}", noop < 5),
        ("validation RMSE, dot model", f"{rmse:.4f}", rmse <= 0.870),
        ("baseline RMSE, global mean", f"{first['baseline_global_mean']['rmse']:.4f}",
         rmse < first["baseline_global_mean"]["rmse"]),
        ("baseline RMSE, regularised biases", f"{first['baseline_biases']['rmse']:.4f}",
         rmse < first["baseline_biases"]["rmse"]),
        ("two trainings, identical metrics", str(first == second), first == second),
    ]
    for name, value, ok in rows:
        print(f"{name:48s} {value:>10s}  {'ok' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
