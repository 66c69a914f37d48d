"""The report's pieces on in-memory metrics."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from embedlab import report

MOVIELENS = next(t for t in report.TASKS if t.name == "movielens")


def test_read_metrics_flattens_nested_groups_and_drops_text():
    text = json.dumps({"model": {"rmse": 0.85}, "n_valid": 10, "valid_start": "2014-08-01"})
    assert report.read_metrics(text) == {"model.rmse": 0.85, "n_valid": 10}
    assert report.read_metrics(None) == {}


def _section(metrics, study=None):
    return "\n".join(report.task_section(MOVIELENS, metrics, ["movielens_study.png"], study))


def test_a_section_shows_model_baselines_and_published_figures():
    metrics = {"model.rmse": 0.8472, "baseline_global_mean.rmse": 1.0451, "baseline_biases.rmse": 0.8909}
    text = _section(metrics)
    assert "**model.rmse: 0.8472** (lower is better)" in text
    assert "| this model | model.rmse | 0.8472 |" in text
    assert "| user and movie biases | baseline_biases.rmse | 0.8909 |" in text
    assert "| lesson, dot product + biases | 2016 ml-latest-small, random 20% | 0.875-0.881 |" in text
    assert "![movielens_study.png](movielens_study.png)" in text


def test_a_missing_baseline_shows_as_a_dash_and_an_unrun_task_says_so():
    assert "| user and movie biases | baseline_biases.rmse | - |" in _section({"model.rmse": 0.8472})
    assert "Not run yet" in _section({})


def test_a_section_tabulates_the_dropout_study():
    study = pd.DataFrame({"setting": ["none"], "dropouts": ["emb_dropout 0.0"], "train_loss": [0.5],
                          "train_loss_eval": [0.45], "valid_loss": [0.75], "gap": [0.3]})
    assert "| none | emb_dropout 0.0 | 0.5000 | 0.4500 | 0.7500 | 0.3000 |" in _section({"model.rmse": 0.8}, study)


def test_the_report_names_no_commit_run_or_time():
    """Per-run facts would make identical inputs write a different report."""
    text = report.render([report.task_section(task, {"model.rmse": 0.8}, [], None) for task in report.TASKS])
    assert "commit" not in text and "MLflow run" not in text


def test_image_names_carry_their_task():
    assert report.image_name("rossmann", Path("eval/rossmann/plots/learning_curves.png")) == \
        "rossmann_learning_curves.png"


def test_small_values_keep_their_magnitude():
    from embedlab.report import _fmt
    assert (_fmt(5.455e-10), _fmt(0.0018), _fmt(0.0), _fmt(0.92384), _fmt(12345.6)) == \
        ("5.5e-10", "0.0018", "0.0000", "0.9238", "12,346")
