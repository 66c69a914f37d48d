"""Rossmann batch size, learning rate and precision, chosen on validation: one network (seed 42,
the default's first) per setting, trained by the library's code on the current split (after
`dvc repro rossmann_split`), each alone; prints its last epoch's time and its validation RMSPE with
float32 predictions, as rossmann_evaluate scores them.

    python benchmarks/rossmann_batch_size.py                      # the README's table
    python benchmarks/rossmann_batch_size.py 512:0.004:auto       # batch:lr:precision, any number
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import torch

from embedlab import params
from embedlab.cost import cpu_name
from embedlab.metrics import rmspe
from embedlab.rossmann import learner, pipeline
from embedlab.rossmann.config import load_config

SETTINGS = ["256:0.002:fp32", "1024:0.004:auto", "1024:0.008:auto", "2048:0.016:auto"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", nargs="*", default=SETTINGS, help="batch:lr:precision")
    args = parser.parse_args()
    base = dataclasses.replace(load_config(params.load()).train, ensemble=1)
    split = pipeline.read_split()
    valid = split.valid[split.valid["Sales"] > 0]
    print(f"{cpu_name()}, {torch.get_num_threads()} torch threads; {base.epochs} epochs, seed {base.seed}", flush=True)
    rows = []
    for setting in args.settings:
        batch, lr, precision = setting.split(":")
        cfg = dataclasses.replace(base, batch_size=int(batch), lr=float(lr), precision=precision)
        times = []
        last = time.perf_counter()

        def lap(row: dict) -> None:
            nonlocal last
            times.append(time.perf_counter() - last)
            last = time.perf_counter()

        trained = learner.train(cfg, split.train, split.valid, torch.device("cpu"), on_epoch=lap)
        score = rmspe(valid["Sales"].to_numpy(), trained.model.predict(valid))
        rows.append((setting, times[-1], score))
        print(f"  {setting}: {times[-1]:.1f} s an epoch, validation RMSPE {score:.4f}", flush=True)
    print("\n| batch:lr:precision | s / epoch | validation RMSPE, one network |\n|---|---|---|")
    for setting, seconds, score in rows:
        print(f"| {setting} | {seconds:.1f} | {score:.4f} |")


if __name__ == "__main__":
    main()
