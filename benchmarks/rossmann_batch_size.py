"""Rossmann batch size, learning rate and precision, chosen on validation: one network (seed 42,
the default's first) per setting, trained by the library's code on the window's (or the recent)
split, built here from `rossmann_features`' output, each alone; prints its last epoch's time and
its validation RMSPE with float32 predictions, as rossmann_evaluate scores them.

    python benchmarks/rossmann_batch_size.py                      # the README's table
    python benchmarks/rossmann_batch_size.py 512:0.004:auto       # batch:lr:precision, any number
    python benchmarks/rossmann_batch_size.py --split recent 512:0.004:auto
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import pandas as pd
import torch

from embedlab import params
from embedlab.cost import cpu_name
from embedlab.metrics import rmspe
from embedlab.rossmann import learner, pipeline
from embedlab.rossmann.config import load_config
from embedlab.rossmann.split import validation_mask

SETTINGS = ["256:0.002:fp32", "1024:0.004:auto", "1024:0.008:auto", "2048:0.016:auto"]


def split_rows(split_cfg, method: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training rows, validation rows) of `rossmann_features`' output for the split `method`, whatever
    params.yaml's split is: a benchmark compares splits without re-running rossmann_split."""
    features = pipeline.read(pipeline.TRAIN_FEATURES, "rossmann_features")
    test_rows = len(pipeline.read(pipeline.TEST_FEATURES, "rossmann_features", columns=["Store"]))
    mask = validation_mask(features["Date"], method, start=split_cfg.start, end=split_cfg.end,
                           valid_frac=split_cfg.valid_frac, seed=split_cfg.seed, test_rows=test_rows)
    return features[~mask], features[mask]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", nargs="*", default=SETTINGS, help="batch:lr:precision")
    parser.add_argument("--split", choices=["window", "recent"], default="window")
    args = parser.parse_args()
    cfg = load_config(params.load())
    base = dataclasses.replace(cfg.train, ensemble=1)
    train_rows, valid_rows = split_rows(cfg.split, args.split)
    valid = valid_rows[valid_rows["Sales"] > 0]
    print(f"{cpu_name()}, {torch.get_num_threads()} torch threads; {args.split} split, {len(valid):,} validation "
          f"rows with sales; {base.epochs} epochs, seed {base.seed}", flush=True)
    rows = []
    for setting in args.settings:
        batch, lr, precision = setting.split(":")
        setting_cfg = dataclasses.replace(base, batch_size=int(batch), lr=float(lr), precision=precision)
        times = []
        last = time.perf_counter()

        def lap(row: dict) -> None:
            nonlocal last
            times.append(time.perf_counter() - last)
            last = time.perf_counter()

        trained = learner.train(setting_cfg, train_rows, valid_rows, torch.device("cpu"), on_epoch=lap)
        score = rmspe(valid["Sales"].to_numpy(), trained.model.predict(valid))
        rows.append((setting, times[-1], score))
        print(f"  {setting}: {times[-1]:.1f} s an epoch, validation RMSPE {score:.4f}", flush=True)
    print("\n| batch:lr:precision | s / epoch | validation RMSPE, one network |\n|---|---|---|")
    for setting, seconds, score in rows:
        print(f"| {setting} | {seconds:.1f} | {score:.4f} |")


if __name__ == "__main__":
    main()
