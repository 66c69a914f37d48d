"""The lesson's learning-rate finder (`learn.lr_find()`, `learn.sched.plot()`): Smith's range test.

From a tiny rate, train on real batches while the rate grows by the same factor every step, and
record the loss; stop at the last step or once the loss has clearly diverged. The smoothed loss
against the rate (log axis) falls, flattens, then shoots up. The lesson reads off a rate where it
still falls steeply, about a tenth of the rate at its minimum: both are suggested, by name.

The model's weights (and batch-norm statistics) are put back afterwards: a range test never
changes the model it probes.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from itertools import islice
from typing import Callable, Iterable, Iterator

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from embedlab.errors import EmbedlabError
from embedlab.training import _forward, _reset, adamw, autocast

SKIP_START, SKIP_END = 10, 5  # at least the points the lesson's sched.plot() leaves out (of its 100)
CLEAR_FALL = 4.0  # flat curves of pure noise stay below: at most 3.6 in 300 simulated ones of 1000 steps


@dataclass(frozen=True)
class FinderConfig:
    """The `lr_find` section of params.yaml."""
    start_lr: float
    end_lr: float
    batches: int       # steps at most (fewer if the loss diverges first): params' batches.<stage>
    smoothing: float   # weight of the past in the loss's moving average (the lesson's 0.98)
    diverge: float     # stop once the smoothed loss exceeds this many times its minimum so far

    def __post_init__(self):
        if not 0 < self.start_lr < self.end_lr:
            raise EmbedlabError(f"lr_find needs 0 < start_lr < end_lr, got {self.start_lr} and {self.end_lr}")
        if self.batches < SKIP_START + SKIP_END + 5:
            raise EmbedlabError(f"lr_find.batches must each be at least {SKIP_START + SKIP_END + 5}, "
                                f"got {self.batches}")
        if not 0 <= self.smoothing < 1:
            raise EmbedlabError(f"lr_find.smoothing must be in [0, 1), got {self.smoothing}")
        if self.diverge <= 1:
            raise EmbedlabError(f"lr_find.diverge must be above 1, got {self.diverge}")


@dataclass(frozen=True)
class RangeTest:
    curve: pd.DataFrame   # one row per step: lr, raw_loss, loss (smoothed)
    steepest: float       # the rate where the smoothed loss falls fastest (per log of the rate)
    minimum: float        # the rate at the smoothed loss's minimum
    diverged: bool        # stopped by the divergence rule, not by the step cap
    fall_over_noise: float  # how far the smoothed loss fell to its minimum, in units of its own noise

    @property
    def min_over_10(self) -> float:
        return self.minimum / 10

    @property
    def clear(self) -> bool:
        """Whether the loss fell clearly (CLEAR_FALL noise units); otherwise the suggestions read noise."""
        return self.fall_over_noise >= CLEAR_FALL

    def summary(self) -> dict:
        return {"steepest": self.steepest, "min_over_10": self.min_over_10, "minimum": self.minimum,
                "steps": len(self.curve), "diverged": self.diverged, "fall_over_noise": self.fall_over_noise,
                "clear": self.clear}


def _forever(batches: Iterable) -> Iterator:
    while True:
        yield from batches


def shown(n: int) -> slice:
    """The points the lesson's sched.plot() shows of `n`: neither the first ones, where the
    moving average has seen only a few batches, nor the last, where the loss blows up."""
    return slice(max(SKIP_START, n // 20), n - max(SKIP_END, n // 100))


def suggest(lr: np.ndarray, loss: np.ndarray) -> tuple[float, float]:
    """(steepest, minimum) of a smoothed curve, over its shown points. The steepest fall is looked
    for in the two decades below the minimum, where the lesson reads its rate off (further down, a
    fall is more likely the smoothing settling or noise), with the slope measured across a window
    of about a fiftieth of the points (one step's difference is noise). A curve that only rises
    gives its first shown rate for both: its rates were past the best from the start (as for a
    classifier stage that starts where the stage before it left off), which fall_over_noise
    marks unclear."""
    keep = shown(len(lr))
    lr, loss = lr[keep], loss[keep]
    if len(lr) < 3:
        raise EmbedlabError(f"the loss diverged after {len(lr)} steps, too soon to read a rate off; "
                            "lower lr_find.start_lr")
    lowest = int(np.argmin(loss))
    half, log_lr = max(1, len(lr) // 100), np.log(lr)
    index = np.arange(lowest + 1)
    ahead, behind = np.minimum(index + half, lowest), np.maximum(index - half, 0)
    slope = (loss[ahead] - loss[behind]) / np.maximum(log_lr[ahead] - log_lr[behind], 1e-12)
    slope[lr[: lowest + 1] < lr[lowest] / 100] = np.inf
    return float(lr[int(np.argmin(slope))]), float(lr[lowest])


def range_test(model: nn.Module, batches: Iterable, loss_fn: Callable, cfg: FinderConfig, *,
               device: torch.device, weight_decay: float, betas: tuple[float, float] = (0.9, 0.99),
               groups: list[list[nn.Parameter]] | None = None, ratios: list[float] | None = None,
               clip: float | None = None, bf16: bool = False, desc: str = "lr finder") -> RangeTest:
    """Train `model` (as `training.fit` would: AdamW, the same betas, weight decay, clipping and
    precision) at rates from cfg.start_lr to cfg.end_lr, growing geometrically over cfg.batches
    steps of `batches` (re-iterated if it has fewer). With `groups`, group k trains at the rate
    times `ratios[k]`: the rate recorded is the last group's, whose ratio should be 1 (the head's
    peak rate, as discriminative rates are given)."""
    model.to(device)
    saved = copy.deepcopy(model.state_dict())
    groups = groups or [[p for p in model.parameters() if p.requires_grad]]
    ratios = ratios or [1.0] * len(groups)
    opt = adamw([{"params": g, "lr": cfg.start_lr * r} for g, r in zip(groups, ratios)], lr=cfg.start_lr,
                weight_decay=weight_decay, betas=betas)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=(cfg.end_lr / cfg.start_lr) ** (1 / (cfg.batches - 1)))
    rows, average, best, diverged = [], 0.0, math.inf, False
    try:
        model.train()
        _reset(model)
        bar = tqdm(islice(_forever(batches), cfg.batches), total=cfg.batches, desc=desc, leave=False,
                   disable=None, mininterval=0.5)
        for step, batch in enumerate(bar, start=1):
            lr = opt.param_groups[-1]["lr"] / ratios[-1]
            # fit's step (training.py), which the finder must match: the same forward, precision and
            # clipping. A copy, not a shared function, only because moving it out of training.py would
            # have re-run every committed training (hours here); share it when training.py next changes.
            with autocast(device, bf16):
                out, target = _forward(model, batch, device)
                batch_loss = loss_fn(out, target)
            opt.zero_grad(set_to_none=True)
            batch_loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            sched.step()
            loss = batch_loss.item()
            # an exponential moving average, debiased as Adam's moments are (the lesson's smoothing)
            average = cfg.smoothing * average + (1 - cfg.smoothing) * loss
            smoothed = average / (1 - cfg.smoothing ** step)
            if not math.isfinite(smoothed) or (step > 1 and smoothed > cfg.diverge * best):
                diverged = True
                break
            rows.append({"step": step, "lr": lr, "raw_loss": loss, "loss": smoothed})
            best = min(best, smoothed)
    finally:
        model.load_state_dict(saved)
    curve = pd.DataFrame(rows, columns=["step", "lr", "raw_loss", "loss"])
    steepest, minimum = suggest(curve["lr"].to_numpy(), curve["loss"].to_numpy())
    return RangeTest(curve, steepest, minimum, diverged, fall_over_noise(curve, cfg.smoothing))


def fall_over_noise(curve: pd.DataFrame, smoothing: float) -> float:
    """The fall of the smoothed loss from its first shown point to its minimum, over the noise
    of that difference: the batches' scatter about the curve, through the debiased moving average
    (after t batches its variance is one batch's times (1 - b) / (1 + b) * (1 - b^2t) / (1 - b^t)^2,
    b the smoothing: early points average few batches)."""
    keep = shown(len(curve))
    shown_curve = curve.iloc[keep]
    lowest = int(shown_curve["loss"].to_numpy().argmin())
    if lowest == 0:
        return 0.0
    before = shown_curve.iloc[: lowest + 1]
    scatter = float((before["raw_loss"] - before["loss"]).std())
    b = smoothing

    def variance(step: int) -> float:
        return (1 - b) / (1 + b) * (1 - b ** (2 * step)) / (1 - b ** step) ** 2 if b else 1.0

    first, low = int(before["step"].iloc[0]), int(before["step"].iloc[-1])
    noise = scatter * math.sqrt(variance(first) + variance(low))
    fall = float(before["loss"].iloc[0] - before["loss"].iloc[-1])
    return fall / noise if noise > 0 else math.inf
