"""Rossmann's dropout: torch's nn.Dropout against embedlab's `layers.Dropout`, which draws only the
dropped positions at small p. Prints the cost of each way at a range of p (where they cross sets
layers.SPARSE_DROPOUT_BELOW), each module at the default network's widths, and the training step's
rows/s with each, alternating in one process (the same network, rows and batches).

    python benchmarks/rossmann_dropout_mask.py [--steps 100] [--rounds 3]  # after `dvc repro rossmann_split`
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from embedlab import params
from embedlab.cli import keep_freed_memory
from embedlab.cost import cpu_name
from embedlab.layers import SPARSE_DROPOUT_BELOW, Dropout, sparse_dropout
from embedlab.rossmann import learner, pipeline, preprocess
from embedlab.rossmann.config import load_config
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS
from embedlab.training import Batches, adamw, autocast, seed_everything, wants_bf16

CPU = torch.device("cpu")


def ms(fn, repeat: int = 50) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e3


def step_rows_per_s(net, opt, batches, steps: int, bf16: bool) -> float:
    rows, start = 0, time.perf_counter()
    for _, (x, y) in zip(range(steps), batches):
        with autocast(CPU, bf16):
            loss = nn.functional.mse_loss(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        rows += len(x)
    return rows / (time.perf_counter() - start)


def with_dropout(net: nn.Module, make) -> nn.Module:
    for name, child in net.named_children():
        if isinstance(child, (nn.Dropout, Dropout)):
            setattr(net, name, make(child.p))
        else:
            with_dropout(child, make)
    return net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    keep_freed_memory()  # as the stages run
    cfg = load_config(params.load()).train
    print(f"{cpu_name()}, {torch.get_num_threads()} torch threads")
    h = torch.rand(cfg.batch_size, 1000)
    print(f"dropout of {cfg.batch_size} x 1000, ms (embedlab's below p = {SPARSE_DROPOUT_BELOW}, torch's above):")
    for p in [0.001, 0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]:
        print(f"  p={p}: torch {ms(lambda: nn.functional.dropout(h, p)):.2f}, drawing the dropped positions "
              f"{ms(lambda: sparse_dropout(h, p)):.2f}")

    train = learner.training_rows(pipeline.read_split().train, cfg)
    prep = preprocess.fit(train, CATEGORICAL, CONTINUOUS)
    x = torch.from_numpy(prep.transform(train))
    y = torch.from_numpy(np.log(train["Sales"].to_numpy(np.float32)))
    seed_everything(cfg.seed)
    net = learner.build_net(cfg, prep, (0.0, float(cfg.y_range_factor * y.max()))).train()
    widths = [net.layers[0].in_features, *cfg.layers]
    for width, p in zip(widths, [cfg.emb_dropout, *cfg.dropouts]):
        h = torch.rand(cfg.batch_size, width)
        print(f"mask of {cfg.batch_size} x {width} at p={p}: nn.Dropout {ms(lambda: nn.Dropout(p)(h)):.3f} ms, "
              f"embedlab {ms(lambda: Dropout(p)(h)):.3f} ms")

    opt = adamw(net.parameters(), lr=cfg.lr / 10, weight_decay=cfg.weight_decay, betas=tuple(cfg.betas))
    batches = iter(Batches(x, y, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed))
    bf16 = wants_bf16(cfg.precision, CPU)
    step_rows_per_s(net, opt, batches, 20, bf16)  # warm-up
    print(f"training steps of {cfg.batch_size} rows, {'bfloat16 autocast' if bf16 else 'float32'}, "
          f"{args.steps} steps a round:")
    ratios = []
    for r in range(args.rounds):
        torch_rate = step_rows_per_s(with_dropout(net, nn.Dropout), opt, batches, args.steps, bf16)
        ours = step_rows_per_s(with_dropout(net, Dropout), opt, batches, args.steps, bf16)
        ratios.append(ours / torch_rate)
        print(f"  round {r + 1}: nn.Dropout {torch_rate:,.0f} rows/s, embedlab {ours:,.0f} rows/s: {ratios[-1]:.2f}x")
    print(f"median {np.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
