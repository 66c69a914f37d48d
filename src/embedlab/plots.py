"""Figures people would rather look at than read; each written whole as a PNG."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # stages run headless
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from embedlab.atomic import atomic_path  # noqa: E402


def _save(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)


def learning_curves(history: pd.DataFrame, path: Path, title: str) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(history["epoch"], history["train_loss"], "o-", label="train (dropout on)")
    ax.plot(history["epoch"], history["valid_loss"], "o-", label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    _save(fig, path)


def predicted_vs_actual(actual: np.ndarray, pred: np.ndarray, path: Path, title: str) -> None:
    """Box plots of predictions per actual value: ratings take few values, so a scatter would hide
    tens of thousands of points behind each other."""
    levels = np.unique(actual)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.boxplot([pred[actual == v] for v in levels], positions=levels, widths=0.3, showfliers=False)
    ax.plot(levels, levels, "r--", lw=1, label="perfect")
    ax.set(xlabel="actual", ylabel="predicted", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    _save(fig, path)


def labelled_scatter(points: pd.DataFrame, x: str, y: str, label: str | None, path: Path, title: str,
                     color: str | None = None) -> None:
    fig, ax = plt.subplots(figsize=(12, 10) if label else (8, 6.5))
    groups = points.groupby(color, observed=True) if color else [(None, points)]
    for name, group in groups:
        ax.scatter(group[x], group[y], s=12, alpha=0.6, label=None if name is None else f"{color} {name}")
    if color:
        ax.legend()
    for text, px, py in (zip(points[label], points[x], points[y]) if label else []):
        ax.annotate(str(text)[:40], (px, py), fontsize=7, alpha=0.85)
    ax.set(xlabel=x, ylabel=y, title=title)
    ax.grid(alpha=0.3)
    _save(fig, path)


def bars(values: pd.Series, path: Path, title: str, ylabel: str) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar([str(i) for i in values.index], values.to_numpy())
    ax.set(ylabel=ylabel, title=title)
    ax.grid(alpha=0.3, axis="y")
    _save(fig, path)


def series(values: pd.Series, path: Path, title: str, ylabel: str) -> None:
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(values.index, values.to_numpy(), "o-", ms=3)
    ax.set(ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    _save(fig, path)


def density(actual: np.ndarray, pred: np.ndarray, path: Path, title: str) -> None:
    """Predicted against actual on log axes, as a density: there are far too many points to scatter."""
    fig, ax = plt.subplots(figsize=(6, 5))
    hb = ax.hexbin(actual, pred, gridsize=80, xscale="log", yscale="log", bins="log", mincnt=1)
    lo, hi = np.percentile(actual, [0.1, 99.9])
    ax.plot([lo, hi], [lo, hi], "r--", lw=1, label="perfect")
    ax.set(xlabel="actual", ylabel="predicted", title=title)
    ax.legend()
    fig.colorbar(hb, label="rows")
    _save(fig, path)


def confusion(matrix: np.ndarray, labels: list[str], path: Path, title: str) -> None:
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), n in np.ndenumerate(matrix):
        ax.text(j, i, f"{n:,}", ha="center", va="center",
                color="white" if n > matrix.max() / 2 else "black")
    ax.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels, yticklabels=labels,
           xlabel="predicted", ylabel="actual", title=title)
    _save(fig, path)


def dropout_study(table: pd.DataFrame, path: Path, title: str) -> None:
    """Losses per dropout setting side by side, the gap written over each group."""
    bars_of = [("train_loss", "train, dropout on"), ("train_loss_eval", "train, dropout off"),
               ("valid_loss", "validation")]
    x = np.arange(len(table))
    width = 0.8 / len(bars_of)
    fig, ax = plt.subplots(figsize=(1.8 * len(table) + 3, 4.5))
    for i, (column, label) in enumerate(bars_of):
        ax.bar(x + (i - 1) * width, table[column], width, label=label)
    top = table[[c for c, _ in bars_of]].max(axis=1)
    for xi, gap, y in zip(x, table["gap"], top):
        ax.annotate(f"gap {gap:+.4f}", (xi, y), ha="center", va="bottom", xytext=(0, 4),
                    textcoords="offset points")
    ax.set_xticks(x, [f"{s}\n{d}" for s, d in zip(table["setting"], table["dropouts"])], fontsize=8)
    ax.set(ylabel="loss (last epoch)", title=title)
    ax.set_ylim(0, top.max() * 1.2)
    ax.legend(fontsize=8)
    _save(fig, path)


def dropout_curves(per_epoch: pd.DataFrame, path: Path, title: str) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for setting, rows in per_epoch.groupby("setting", sort=False):
        axes[0].plot(rows["epoch"], rows["train_loss"], "o-", label=setting)
        axes[1].plot(rows["epoch"], rows["valid_loss"], "o-", label=setting)
    axes[0].set(xlabel="epoch", ylabel="loss", title="training (dropout on)")
    axes[1].set(xlabel="epoch", title="validation")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[1].legend(title="dropout")
    fig.suptitle(title)
    _save(fig, path)
