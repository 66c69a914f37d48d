"""The report's pieces on in-memory metrics, and the committed-file lookup in a real git repo."""
from __future__ import annotations

import json
import subprocess

import pandas as pd

from embedlab import report

MOVIELENS = next(t for t in report.TASKS if t.name == "movielens")


def test_metrics_diff_lists_every_metric_of_either_side_with_its_change():
    diff = report.metrics_diff({"a": 1.0, "gone": 2.0}, {"a": 0.75, "new": 3.0}).set_index("metric")
    assert diff.loc["a", "change"] == -0.25
    assert pd.isna(diff.loc["gone", "now"]) and pd.isna(diff.loc["new", "committed"])


def test_read_metrics_flattens_nested_groups_and_drops_text():
    text = json.dumps({"model": {"rmse": 0.85}, "n_valid": 10, "valid_start": "2014-08-01"})
    assert report.read_metrics(text) == {"model.rmse": 0.85, "n_valid": 10}
    assert report.read_metrics(None) == {}


def test_committed_reads_the_last_commit_not_the_working_tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    subprocess.run(["git", "init", "-q"], check=True)
    (tmp_path / "m.json").write_text('{"rmse": 1.0}')
    subprocess.run(["git", "add", "m.json"], check=True)
    subprocess.run(["git", "commit", "-qm", "m"], check=True)
    (tmp_path / "m.json").write_text('{"rmse": 0.5}')
    assert json.loads(report.committed("m.json")) == {"rmse": 1.0}
    assert report.committed("never-committed.json") is None


def _section(metrics, old, study=None):
    return "\n".join(report.task_section(MOVIELENS, metrics, old, ["movielens_study.png"], study, "abc123"))


def test_a_section_shows_model_baselines_published_figures_and_changes():
    metrics = {"model.rmse": 0.8472, "baseline_global_mean.rmse": 1.0451, "baseline_biases.rmse": 0.8909}
    text = _section(metrics, {**metrics, "model.rmse": 0.86})
    assert "**model.rmse: 0.8472** (lower is better), MLflow run `abc123`" in text
    assert "| user and movie biases | baseline_biases.rmse | 0.8909 |" in text
    assert "| lesson, dot product + biases | 2016 ml-latest-small, random 20% | 0.875-0.881 |" in text
    assert "| model.rmse | 0.8600 | 0.8472 | -0.0128 |" in text
    assert "| extra | - | 1.0000 | - |" in _section({**metrics, "extra": 1.0}, metrics)
    assert "baseline_biases.rmse | 0.8909 | 0.8909" not in text  # unchanged metrics stay out
    assert "![movielens_study.png](movielens_study.png)" in text


def test_a_section_says_when_nothing_changed_or_nothing_was_committed_or_run():
    metrics = {"model.rmse": 0.8472}
    assert "nothing: every metric equals the committed one" in _section(metrics, metrics)
    assert "No committed run to compare with" in _section(metrics, {})
    assert "Not run yet" in _section({}, {})


def test_a_section_tabulates_the_dropout_study():
    study = pd.DataFrame({"setting": ["none"], "dropouts": ["emb_dropout 0.0"], "train_loss": [0.5],
                          "train_loss_eval": [0.45], "valid_loss": [0.75], "gap": [0.3]})
    assert "| none | emb_dropout 0.0 | 0.5000 | 0.4500 | 0.7500 | 0.3000 |" in _section({"model.rmse": 0.8}, {}, study)

