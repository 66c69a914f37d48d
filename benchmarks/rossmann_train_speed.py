"""Rossmann training speed: embedlab's network against fastai's `tabular_learner`, side by side.

Both train one epoch of one cycle on the same rows (the first --rows training rows of the current
split, preprocessed by embedlab), with the same layers, embedding sizes, dropouts, batch norm,
weight decay and batch size, in one process on the same threads; the figure is training rows per
second over the whole epoch (the batches and the optimizer included; validation on 1,024 rows).
embedlab runs at rossmann.train's precision (bfloat16 autocast where the CPU has it) and in
float32; fastai's bfloat16 callback autocasts on CUDA only, so on a CPU it trains in float32.

fastai is a benchmark tool here, never a dependency of the package; install it without torchvision
(fastai 2.8.12 was measured; fastprogress 1.1 imports fasthtml, 1.0.3 does not):

    pip install --no-deps fastai fastcore fastdownload fastprogress==1.0.3 fasttransform plum-dispatch beartype
    python benchmarks/rossmann_train_speed.py [--rows 300000] [--batch-size N]  # after `dvc repro rossmann_split`
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import pandas as pd
import torch
from torch import nn

from embedlab import params
from embedlab.rossmann import learner, pipeline, preprocess
from embedlab.rossmann.config import load_config
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS
from embedlab.rossmann.model import embedding_size
from embedlab.tracking import cpu_name
from embedlab.training import Batches, fit, seed_everything, wants_bf16

CPU = torch.device("cpu")
VALID_ROWS = 1024


def embedlab_rows_per_s(cfg, prep, x, y, xv, yv, y_range, bf16: bool) -> float:
    seed_everything(cfg.seed)
    net = learner.build_net(cfg, prep, y_range)
    start = time.perf_counter()
    fit(net, Batches(x, y, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed),
        Batches(xv, yv, batch_size=VALID_ROWS, shuffle=False), nn.MSELoss(), epochs=1, lr=cfg.lr,
        weight_decay=cfg.weight_decay, device=CPU, betas=tuple(cfg.betas), bf16=bf16)
    return len(x) / (time.perf_counter() - start)


def fastai_rows_per_s(cfg, prep, x, y, xv, yv, y_range) -> float:
    from fastai.tabular.all import Categorify, MSELossFlat, TabularPandas, tabular_config, tabular_learner

    cats = [f"c{i}" for i in range(len(CATEGORICAL))]
    conts = [f"x{i}" for i in range(x.shape[1] - len(cats))]
    frame = pd.DataFrame(torch.cat([x, xv]).numpy(), columns=cats + conts)
    frame[cats] = frame[cats].astype(np.int64)
    frame["y"] = torch.cat([y, yv]).numpy()
    # the codes are already 0..n; fastai's Categorify adds its own #na# level, so it sees n + 2
    # levels where embedlab's tables have n + 1 rows: the sizes are passed to match embedlab's
    sizes = {c: embedding_size(n + 1, cfg.emb_size_rule) for c, n in zip(cats, prep.cardinalities)}

    to = TabularPandas(frame, procs=[Categorify], cat_names=cats, cont_names=conts, y_names="y",
                       splits=(list(range(len(x))), list(range(len(x), len(frame)))))
    dls = to.dataloaders(bs=cfg.batch_size, val_bs=VALID_ROWS)
    config = tabular_config(ps=list(cfg.dropouts), embed_p=cfg.emb_dropout, y_range=y_range)
    learn = tabular_learner(dls, layers=list(cfg.layers), emb_szs=sizes, config=config, loss_func=MSELossFlat(),
                            wd=cfg.weight_decay)
    with learn.no_bar(), learn.no_logging():
        start = time.perf_counter()
        learn.fit_one_cycle(1, cfg.lr)
    return len(x) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--batch-size", type=int, help="default: rossmann.train.batch_size")
    args = parser.parse_args()
    cfg = load_config(params.load()).train
    cfg = dataclasses.replace(cfg, batch_size=args.batch_size or cfg.batch_size)
    split = pipeline.read_split()
    train = learner.training_rows(split.train, cfg).iloc[: args.rows]
    valid = split.valid[split.valid["Sales"] > 0].iloc[:VALID_ROWS]
    prep = preprocess.fit(train, CATEGORICAL, CONTINUOUS)
    x, xv = (torch.from_numpy(prep.transform(f)) for f in (train, valid))
    y, yv = (torch.from_numpy(np.log(f["Sales"].to_numpy(np.float32))) for f in (train, valid))
    y_range = (0.0, float(cfg.y_range_factor * y.max()))
    bf16 = wants_bf16(cfg.precision, CPU)

    print(f"{cpu_name()}, {torch.get_num_threads()} torch threads; {len(x):,} rows, batch {cfg.batch_size}, "
          f"layers {list(cfg.layers)}, one epoch each", flush=True)
    results = {}
    for name, run in [("embedlab, " + ("bfloat16 autocast" if bf16 else "float32"),
                       lambda: embedlab_rows_per_s(cfg, prep, x, y, xv, yv, y_range, bf16)),
                      ("fastai tabular_learner, float32", lambda: fastai_rows_per_s(cfg, prep, x, y, xv, yv, y_range)),
                      *([("embedlab, float32", lambda: embedlab_rows_per_s(cfg, prep, x, y, xv, yv, y_range, False))]
                        if bf16 else [])]:
        results[name] = run()
        print(f"  {name}: {results[name]:,.0f} rows/s", flush=True)
    fastai = results["fastai tabular_learner, float32"]
    for name, rate in results.items():
        if not name.startswith("fastai"):
            print(f"{name} / fastai: {rate / fastai:.2f}x")


if __name__ == "__main__":
    main()
