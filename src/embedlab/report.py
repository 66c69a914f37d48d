"""The lesson report: per task, the model's metrics beside its baselines and the published figures,
the learning curves and the dropout study. It reads nothing but the stage's inputs (no git, no run
ids), so the same inputs write the same report; to compare with another revision, `dvc metrics
diff <rev>` and `dvc plots diff <rev>`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from embedlab.params import flatten


@dataclass(frozen=True)
class Published:
    result: str
    protocol: str
    value: str


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    metric: str                    # the headline, a key of the flattened metrics
    lower_is_better: bool
    baselines: dict[str, str]      # metrics key -> what the baseline is
    published: list[Published]
    extra: dict[str, str] = field(default_factory=dict)  # other metrics worth a line


# From ../shared/REFERENCE.md, which names each figure's source.
TASKS = [
    Task("movielens", "MovieLens collaborative filtering", "model.rmse", True,
         {"baseline_global_mean.rmse": "global mean rating", "baseline_biases.rmse": "user and movie biases"},
         [Published("lesson, dot product + biases", "2016 ml-latest-small, random 20%", "0.875-0.881"),
          Published("lesson, neural variant", "2016 ml-latest-small, random 20%", "0.880-0.884"),
          Published("Surprise SVD++", "ml-100k, 5-fold, default settings", "0.919")]),
    Task("rossmann", "Rossmann store sales", "rmspe", True,
         {"baseline_store_weekday_median": "median per store and weekday",
          "baseline_gradient_boosting": "HistGradientBoosting on the same features (255 leaves, 1500 trees)"},
         [Published("2017 notebook, 1+3+3 epochs", "window 2014-08-01..09-17, batch-averaged RMSPE", "0.0985"),
          Published("2017 notebook, random forest", "window 2014-08-01..09-17", "0.1156"),
          Published("later fastai, one cycle, 5 epochs", "most recent 41k rows", "0.1086"),
          Published("Kaggle 3rd place, 10-net ensemble", "private leaderboard", "0.10583")],
         {"rmspe_lesson_style": "the same, averaged over 256-row batches as the 2017 notebook printed it"}),
    Task("imdb", "IMDB sentiment", "test_accuracy", False,
         {"baseline_tfidf_test_accuracy": "TF-IDF + logistic regression",
          "baseline_nbsvm_test_accuracy": "NB-SVM, uni- to trigrams (half of this model)"},
         [Published("2017 lesson, AWD-LSTM fine-tuned", "25k test, best cycle chosen on test", "0.945"),
          Published("ULMFiT, Wikipedia-pretrained, forward+backward", "25k test", "0.954"),
          Published("NB-SVM (trigram)", "25k test", "0.918"),
          Published("trigram logistic regression", "25k test", "0.905")],
         {"network_test_accuracy": "the network alone (this model without NB-SVM)",
          "model_vs_nbsvm_test_p_value": "McNemar's test, this model against NB-SVM: p-value",
          "lm_valid_perplexity": "language-model validation perplexity",
          "valid_accuracy": "validation accuracy (held-out training reviews)"}),
]


def read_metrics(text: str | None) -> dict[str, float]:
    if not text:
        return {}
    return {k: v for k, v in flatten(json.loads(text)).items() if isinstance(v, (int, float))}


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, float):
        if 0 < abs(value) < 1e-3:  # a p-value: 0.0000 would read as impossible
            return f"{value:.1e}"
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]


def task_section(task: Task, metrics: dict[str, float], images: list[str], study: pd.DataFrame | None) -> list[str]:
    if not metrics:
        return [f"## {task.title}", "", "Not run yet: `dvc repro` writes its metrics.", ""]
    better = "lower" if task.lower_is_better else "higher"
    lines = [f"## {task.title}", "", f"**{task.metric}: {_fmt(metrics.get(task.metric))}** ({better} is better)", ""]
    rows = [["this model", task.metric, metrics.get(task.metric)]]
    rows += [[what, key, metrics.get(key)] for key, what in task.baselines.items()]
    rows += [[what, key, metrics.get(key)] for key, what in task.extra.items()]
    lines += _table(["scored on the same rows", "metric", "value"], rows) + [""]
    lines += ["Published figures (other protocols, as noted; see REFERENCE.md):", ""]
    lines += _table(["result", "protocol", task.metric], [[p.result, p.protocol, p.value] for p in task.published])
    lines += [""]
    if study is not None:
        lines += ["Dropout study (last epoch; gap = validation loss - training loss with dropout off):", ""]
        lines += _table(["setting", "dropouts", "train loss (dropout on)", "train loss (off)", "valid loss", "gap"],
                        study[["setting", "dropouts", "train_loss", "train_loss_eval", "valid_loss", "gap"]]
                        .values.tolist()) + [""]
    lines += [line for name in images for line in (f"![{name}]({name})", "")]
    return lines


def render(sections: list[list[str]]) -> str:
    head = ["# embedlab report", "",
            "Written by `dvc repro report`. Each task's metrics are scored on its own validation rows "
            "(IMDB's test accuracy on its test reviews); published figures are quoted with their protocol "
            "and are comparable only where the protocol matches.", ""]
    return "\n".join(head + [line for section in sections for line in section]).rstrip() + "\n"


def image_name(task: str, image: Path) -> str:
    return f"{task}_{image.name}"
