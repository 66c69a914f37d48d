"""How much of a Rossmann RMSPE is the seed? Train the default model (params.yaml) once per
seed on the committed features and split, and print each seed's validation RMSPE (and how much of
its error is each store's own level), their spread, and the RMSPE of the seeds' averaged predictions
(geometric mean of their sales).

    python benchmarks/rossmann_seeds.py [--seeds 42 1 2] [--split window|recent] [--set key=value ...]
                                        [--without COLUMN ...]

Run from the project root after `dvc repro rossmann_split` (with --split, `rossmann_features`).
Each seed costs one network's training (about 2 minutes on 2 cores at the defaults). `--set` changes
rossmann.train for this run only, e.g. `--set epochs=4`. `--without Day` ablates a feature: the column
holds one value in every row, so its embedding can tell no rows apart.
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import pandas as pd
import yaml
from rossmann_batch_size import split_rows  # benchmarks/, the script's folder

from embedlab import params
from embedlab.metrics import rmspe, rmspe_batch_mean
from embedlab.rossmann import learner, pipeline
from embedlab.rossmann.config import load_config
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS
from embedlab.training import pick_device


def store_levels(stores: np.ndarray, y: np.ndarray, pred: np.ndarray) -> str:
    """How much of the error is each store's own level: the mean log error, the spread of the
    stores' means, and the RMSPE left once each store's mean is taken out (an oracle: it reads the
    validation sales)."""
    err = pd.Series(np.log(pred) - np.log(y))
    by_store = err.groupby(stores)
    oracle = rmspe(y, pred * np.exp(-by_store.transform("mean").to_numpy()))
    return (f"  mean log error {err.mean():+.4f}; the stores' mean log errors: "
            f"sd {by_store.mean().std():.4f}; RMSPE less each store's mean (oracle) {oracle:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2])
    parser.add_argument("--split", choices=["window", "recent"], help="this split instead of the committed one")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--without", nargs="*", default=[], metavar="COLUMN", help="features to ablate")
    args = parser.parse_args()
    unknown = set(args.without) - set(CATEGORICAL + CONTINUOUS)
    if unknown:  # before any data is read; a misspelt name would otherwise add a column and ablate nothing
        parser.error(f"not a model input: {', '.join(sorted(unknown))}")
    cfg = load_config(params.load())
    changes = {k: yaml.safe_load(v) for k, v in (item.split("=", 1) for item in args.set)}
    train_cfg = dataclasses.replace(cfg.train, **changes)
    split = pipeline.Split(*split_rows(cfg.split, args.split)) if args.split else pipeline.read_split()
    if args.without:  # assign copies the frames: only when there is something to ablate
        ablated = {column: 1 for column in args.without}
        split = pipeline.Split(split.train.assign(**ablated), split.valid.assign(**ablated))
    valid = split.valid_sales
    y = valid["Sales"].to_numpy(np.float64)
    print(f"{args.split or cfg.split.method} split, {len(valid):,} validation rows; train changes: {changes or 'none'}"
          f"{'; without ' + ', '.join(args.without) if args.without else ''}")
    log_preds, scores = [], []
    for seed in args.seeds:
        start = time.perf_counter()
        trained = learner.train(dataclasses.replace(train_cfg, seed=seed), split.train, split.valid, pick_device())
        pred = trained.model.predict(valid)
        log_preds.append(np.log(pred))
        scores.append(rmspe(y, pred))
        print(f"seed {seed}: RMSPE {scores[-1]:.4f}, lesson-style {rmspe_batch_mean(y, pred):.4f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
        print(store_levels(valid["Store"].to_numpy(), y, pred), flush=True)
    print(f"mean {np.mean(scores):.4f}, sd {np.std(scores, ddof=1) if len(scores) > 1 else 0:.4f}, "
          f"range {min(scores):.4f}..{max(scores):.4f}")
    for k in range(2, len(log_preds) + 1):
        pred = np.exp(np.mean(log_preds[:k], axis=0))
        print(f"average of the first {k} seeds: RMSPE {rmspe(y, pred):.4f}, "
              f"lesson-style {rmspe_batch_mean(y, pred):.4f}")


if __name__ == "__main__":
    main()
