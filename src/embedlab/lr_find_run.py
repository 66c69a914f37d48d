"""What a learning-rate range test leaves behind: its curve (a DVC plot, x lr and y loss), its
plot, its suggested rates (a JSON that `dvc metrics show` lists) and one MLflow run per test, of
kind `lr_find`, which nothing takes for a training (`embedlab-reproduce`, the evaluations)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import mlflow
import pandas as pd

from embedlab import plots, tracking
from embedlab.atomic import atomic_path
from embedlab.lr_find import FinderConfig, RangeTest, shown
from embedlab.params import build, flatten, section

OUT = Path("eval/lr_find")
KIND = "lr_find"
UNCLEAR = "the loss fell no clearer than its noise: the suggestions read noise"


def load_config(all_params: dict, stage: str) -> FinderConfig:
    """The `lr_find` section, with the cap on steps of this stage's tests (`batches.<stage>`)."""
    found = dict(section(all_params, "lr_find"))
    found["batches"] = section(all_params, f"lr_find.batches.{stage}")
    return build(FinderConfig, found, "lr_find")


def curve_path(stage: str, name: str) -> Path:
    """A folder per stage (its DVC plots output), whatever number of tests it runs."""
    return OUT / stage / f"{name}.csv"


def summary_path(stage: str) -> Path:
    return OUT / f"{stage}.json"


def draw(curve: pd.DataFrame, marks: dict[str, float], path: Path, title: str) -> None:
    """The range test as the lesson's sched.plot() draws it: loss against the rate on a log axis,
    over the points the suggestions are read from, each suggested rate (and the one params.yaml
    trains at) marked."""
    curve = curve.iloc[shown(len(curve))]
    fig, ax = plots.plt.subplots(figsize=(6.5, 4))
    ax.plot(curve["lr"], curve["raw_loss"], color="0.75", lw=0.8, label="loss of each batch")
    ax.plot(curve["lr"], curve["loss"], color="C0", lw=2, label="smoothed")
    for (name, lr), color in zip(marks.items(), ("C1", "C2", "C3")):
        ax.axvline(lr, color=color, ls="--", lw=1.2, label=f"{name}: {lr:.2g}")
    # from the lowest loss to where it started (or most of the curve, if it only rose): the batches'
    # own losses scatter wider, and the blow-up at the end would flatten everything else
    low, high = curve["loss"].min(), max(curve["loss"].iloc[0], curve["loss"].quantile(0.9))
    ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    ax.set(xscale="log", xlabel="learning rate (log scale)", ylabel="training loss", title=title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    plots._save(fig, path)  # headless, written whole, like every figure


def record(stage: str, name: str, all_params: dict, run_test: Callable[[], RangeTest], trains_at: float) -> dict:
    """Run `run_test()` inside its own MLflow run (in the experiment of the stage's task), write and
    log its curve and plot; its summary, with `trains_at` (the rate params.yaml trains this model
    at) beside the suggestions."""
    task = stage.split("_")[0]
    curve, plot = curve_path(stage, name), curve_path(stage, name).with_suffix(".png")
    with tracking.run(task, run_name=f"lr finder: {stage} {name}", kind=KIND):
        tracking.log_task_params(all_params, task)
        mlflow.log_params(flatten({"lr_find": all_params["lr_find"]}))
        test = run_test()
        summary = {**test.summary(), "trains_at": trains_at}
        mlflow.log_metrics({f"lr_{key}": float(value) for key, value in summary.items() if key != "trains_at"})
        mlflow.set_tag("lr_find.clear", str(test.clear).lower())
        with atomic_path(curve) as tmp:
            test.curve.to_csv(tmp, index=False)
        draw(test.curve, {"steepest": test.steepest, "minimum / 10": test.min_over_10,
                                     "params.yaml": trains_at}, plot,
             f"{stage} {name}: learning-rate range test" + ("" if test.clear else f"\n({UNCLEAR})"))
        mlflow.log_artifact(str(curve))
        mlflow.log_artifact(str(plot))
    print(f"{stage} {name}: steepest descent at {test.steepest:.2g}, minimum / 10 = {test.min_over_10:.2g} "
          f"(params.yaml trains at {trains_at:.2g}); {len(test.curve)} steps"
          f"{', stopped on divergence' if test.diverged else ''}", flush=True)
    if not test.clear:
        print(f"{stage} {name}: {UNCLEAR}; more steps (lr_find.batches.{stage}) or a lower "
              "lr_find.start_lr may show one", flush=True)
    return summary


def write_summary(stage: str, summaries: dict[str, dict]) -> None:
    with atomic_path(summary_path(stage)) as tmp:
        tmp.write_text(json.dumps(summaries, indent=2) + "\n")

