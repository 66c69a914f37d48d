"""The gradient-boosting baseline's settings on the window's validation rows: RMSPE by number of
trees, leaves and how Store enters, with fit times. Needs `dvc repro rossmann_split`.

    python benchmarks/rossmann_gbm.py [--trees 2500]

One fit per line, each alone on the machine (run nothing else meanwhile). RMSPE at fewer trees
comes from the same fit's staged predictions, so those rows have no time of their own.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np

from embedlab import params
from embedlab.cost import cpu_name
from embedlab.metrics import rmspe
from embedlab.rossmann import baselines, pipeline, preprocess
from embedlab.rossmann.config import load_config
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS


def fit(cfg, x_train, y, x_valid, categorical, sales, report_at):
    start = time.perf_counter()
    model = baselines.boosting_model(cfg, categorical).fit(x_train, y)
    seconds = time.perf_counter() - start
    staged = {i + 1: rmspe(sales, np.exp(p)) for i, p in enumerate(model.staged_predict(x_valid))
              if i + 1 in report_at}
    return seconds, staged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trees", type=int, default=2500, help="the most trees of the 255-leaf fit")
    args = parser.parse_args()
    default = load_config(params.load()).baselines
    split = pipeline.read_split()
    train, valid = split.train[split.train["Sales"] > 0], split.valid_sales
    sales = valid["Sales"].to_numpy(np.float64)
    prep = preprocess.fit(train, CATEGORICAL, CONTINUOUS)
    x_train, y, x_valid, categorical = baselines.boosting_inputs(prep, train, valid)
    # Store as the ordered code it would be without the mean encoding
    coded_train, coded_valid = prep.transform(train), prep.transform(valid)
    print(f"{cpu_name()}, {os.cpu_count()} cores; {len(train):,} training rows, {len(valid):,} validation rows")
    print(f"{'leaves':>6} {'trees':>5} {'Store as':<16} {'RMSPE':>7} {'fit s':>6}")

    runs = [(31, 200, "ordered code", coded_train, coded_valid),  # embedlab's setting before tuning
            (255, 600, "ordered code", coded_train, coded_valid),
            (255, args.trees, "mean log sales", x_train, x_valid)]
    for leaves, trees, store, xt, xv in runs:
        cfg = dataclasses.replace(default, gbm_max_leaf_nodes=leaves, gbm_max_iter=trees)
        report_at = sorted({t for t in (500, 600, 1500, default.gbm_max_iter, trees) if t <= trees})
        seconds, staged = fit(cfg, xt, y, xv, categorical, sales, report_at)
        for t in report_at:
            timed = f"{seconds:6.0f}" if t == trees else f"{'':>6}"
            print(f"{leaves:>6} {t:>5} {store:<16} {staged[t]:7.4f} {timed}", flush=True)


if __name__ == "__main__":
    main()
