"""The one training loop every model uses: AdamW, torch's one-cycle schedule, seeded, CPU or CUDA."""
from __future__ import annotations

import os
import random
import sys
import time
from typing import Callable, Iterable, Iterator

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from embedlab.errors import EmbedlabError

Metric = Callable[[np.ndarray, np.ndarray], float]

STEP_LOG_EVERY = 100  # steps between two points of the running training loss (fit's on_step)
# Without a terminal (dvc queue logs, CI) tqdm's bar is off: a line this often instead
PROGRESS_SECONDS = float(os.environ.get("EMBEDLAB_PROGRESS_SECONDS", "60"))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # warn_only: a few CUDA kernels have no deterministic version; we'd rather warn than refuse
    torch.use_deterministic_algorithms(True, warn_only=True)
    # That mode also fills every new tensor with NaN, a debugging aid against reading memory never
    # written; no op here does, and the fill cost the IMDB language model 12% of its CPU step.
    torch.utils.deterministic.fill_uninitialized_memory = False


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Batches:
    """Mini-batches of aligned tensors; each pass reshuffles with a generator seeded once, so the
    order of every epoch is the same from run to run."""

    def __init__(self, *tensors: torch.Tensor, batch_size: int, shuffle: bool, seed: int = 0):
        self.tensors, self.batch_size, self.shuffle = tensors, batch_size, shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.tensors[0]) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        n = len(self.tensors[0])
        order = torch.randperm(n, generator=self.generator) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            if order is None:
                yield tuple(t[start:start + self.batch_size] for t in self.tensors)
            else:
                idx = order[start:start + self.batch_size]
                yield tuple(t[idx] for t in self.tensors)


def _forward(model: nn.Module, batch: tuple[torch.Tensor, ...], device: torch.device):
    *inputs, target = (t.to(device, non_blocking=True) for t in batch)
    return model(*inputs), target


def _reset(model: nn.Module) -> None:
    # stateful models (an LSTM carrying hidden state across BPTT windows) start each pass afresh
    if hasattr(model, "reset"):
        model.reset()


def native_bf16(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    # Private, but what torch itself consults to pick its bf16 CPU kernels; without these
    # instructions bf16 is emulated, slower than float32, and oneDNN has no bf16 LSTM at all.
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def wants_bf16(precision: str, device: torch.device) -> bool:
    """`precision` "bf16", "fp32", or "auto": bfloat16 where the hardware computes in it natively."""
    if precision == "fp32":
        return False
    if precision == "bf16" and not native_bf16(device):
        raise EmbedlabError(f"precision bf16 needs a GPU with bfloat16 or a CPU with AVX512-BF16 or AMX, "
                            f"and this {device.type} has neither; use precision auto or fp32")
    return native_bf16(device)


def autocast(device: torch.device, bf16: bool):
    # bfloat16 keeps float32's range, so unlike float16 it needs no loss scaling; weights,
    # optimizer state and the ops autocast keeps in float32 (softmax, losses) stay float32.
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)


@torch.no_grad()
def _run_eval(model, batches, device, loss_fn=None, keep=True, bf16=False):
    model.eval()
    _reset(model)
    preds, targets, total, count = [], [], 0.0, 0
    for batch in batches:
        with autocast(device, bf16):
            out, target = _forward(model, batch, device)
            loss = None if loss_fn is None else loss_fn(out, target)
        if loss is not None:
            total += loss.item() * target.numel()
            count += target.numel()
        if keep:
            preds.append(out.float().cpu())
            targets.append(target.cpu())
    pred = torch.cat(preds).numpy() if keep else None
    return (total / count if count else float("nan")), pred, (torch.cat(targets).numpy() if keep else None)


def predict(model: nn.Module, batches: Iterable, device: torch.device,
            bf16: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(predictions, targets) over every batch, in order, with dropout off."""
    _, pred, target = _run_eval(model, batches, device, bf16=bf16)
    return pred, target


def adamw(params, *, lr: float, weight_decay: float, betas: tuple[float, float]) -> torch.optim.AdamW:
    """The optimizer of every training and of the lr finder. Fused: one kernel over all the
    parameters per step instead of a pass per operation."""
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, betas=betas, fused=True)


def _one_cycle(opt, lr, total_steps: int, pct_start: float):
    if pct_start * total_steps == 1:  # OneCycleLR divides by zero when warm-up is exactly one step
        pct_start += 0.5 / total_steps
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps, pct_start=pct_start)


def _sgdr(opt, lr, steps_per_epoch: int, constant_epochs: int):
    for group, group_lr in zip(opt.param_groups, lr if isinstance(lr, list) else [lr] * len(opt.param_groups)):
        group["lr"] = group_lr
    cosine = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=steps_per_epoch)
    if constant_epochs == 0:
        return cosine
    constant = torch.optim.lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)
    return torch.optim.lr_scheduler.SequentialLR(opt, [constant, cosine],
                                                 milestones=[constant_epochs * steps_per_epoch])


def fit(
    model: nn.Module,
    train: Iterable,
    valid: Iterable,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    epochs: int,
    lr: float | list[float],
    weight_decay: float,
    device: torch.device,
    param_groups: list[dict] | None = None,
    betas: tuple[float, float] = (0.9, 0.99),
    pct_start: float = 0.25,
    clip: float | None = None,
    metrics: dict[str, Metric] | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    sgdr_after: int | None = None,
    bf16: bool = False,
    on_step: Callable[[float, int], None] | None = None,
    unit: str = "examples",
) -> list[dict]:
    """Train for `epochs` epochs; return one row per epoch (train/valid loss, metrics).

    Each batch is (*inputs, target). `param_groups` (with lr as a matching list) gives
    discriminative learning rates. The schedule is one cycle over all epochs, or with
    `sgdr_after=k` the 2017 lesson's: k epochs at a constant lr, then a cosine decay restarted
    every epoch (fastai 0.7's `fit(lr, 1); fit(lr, 3); fit(lr, 3, cycle_len=1)` is k=4, 7 epochs).
    `bf16` runs forward passes and losses under bfloat16 autocast (on CPUs with AVX512-BF16 or
    AMX, and on recent GPUs, much faster matrix products). `on_step(mean loss, steps)` gets the
    training loss averaged over each STEP_LOG_EVERY steps (and an epoch's last, shorter window).
    Each epoch's line ends with the training rate in targets (`unit`) per second, outside the
    history: it is a measurement of the machine, not a result."""
    model.to(device)
    opt = adamw(param_groups or model.parameters(), lr=lr if isinstance(lr, float) else lr[0],
                weight_decay=weight_decay, betas=betas)
    if sgdr_after is None:
        sched = _one_cycle(opt, lr, epochs * len(train), pct_start)
    else:
        sched = _sgdr(opt, lr, len(train), sgdr_after)
    history: list[dict] = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        _reset(model)
        total, count, window, in_window = 0.0, 0, 0.0, 0
        bar = tqdm(train, total=len(train), desc=f"epoch {epoch}/{epochs}", leave=False,
                   disable=None, mininterval=0.5)
        last_line = start
        for i, batch in enumerate(bar, 1):
            with autocast(device, bf16):
                out, target = _forward(model, batch, device)
                loss = loss_fn(out, target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            sched.step()
            batch_loss = loss.item()
            total += batch_loss * target.numel()
            count += target.numel()
            window, in_window = window + batch_loss, in_window + 1
            if on_step and (in_window == STEP_LOG_EVERY or i == len(train)):
                on_step(window / in_window, in_window)
                window, in_window = 0.0, 0
            bar.set_postfix(loss=f"{total / count:.4f}", refresh=False)
            if bar.disable and time.perf_counter() - last_line >= PROGRESS_SECONDS:
                last_line = time.perf_counter()
                print(tqdm.format_meter(i, len(train), last_line - start, prefix=f"epoch {epoch}/{epochs}",
                                        postfix=f"loss={total / count:.4f}", ncols=0), file=sys.stderr, flush=True)
        train_seconds = time.perf_counter() - start
        valid_loss, pred, target = _run_eval(model, valid, device, loss_fn, keep=bool(metrics), bf16=bf16)
        row = {"epoch": epoch, "train_loss": total / count, "valid_loss": valid_loss}
        for name, fn in (metrics or {}).items():
            row[name] = float(fn(target, pred))
        history.append(row)
        print("  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()),
              f"({time.perf_counter() - start:.1f}s; training {count / train_seconds:,.0f} {unit}/s)", flush=True)
        if on_epoch:
            on_epoch(row)
    return history
