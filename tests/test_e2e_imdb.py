"""The IMDB pipeline end to end on the real archive: all 100,000 reviews tokenized, then tiny
models on a small stratified sample (yet large enough that pretraining shows), so the whole chain
runs in about a minute; then the classifier served by `mlflow models serve`."""
from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch

import dvc_plots
from embedlab import params, tracking
from embedlab.imdb import learner, pipeline
from embedlab.imdb.config import load_config
from embedlab.training import STEP_LOG_EVERY

pytestmark = pytest.mark.e2e
TARGETS = ("imdb_evaluate", "imdb_baselines")
ENTRY = Path(__file__).parent / "reproduce_entry.py"  # embedlab-reproduce, saying if it kept freed memory


@pytest.fixture(scope="module")
def trained(new_project):
    project = new_project()
    project.set_params(**{
        # 2,000 labelled reviews and about 830k LM tokens (3 passes in about 20 s): the least
        # that lets test_pretraining_beats_a_random_encoder tell the two apart (0.59 against 0.515
        # on 400 validation reviews when this was set, 3 standard errors)
        "imdb.vocab.max_size": 3000, "imdb.vocab.lm_unsup_reviews": 1000, "imdb.vocab.labelled_reviews": 2000,
        "imdb.lm.emb_size": 32, "imdb.lm.hidden": 48, "imdb.lm.layers": 2, "imdb.lm.max_tokens": None,
        "imdb.lm.batch_size": 16, "imdb.lm.epochs": 3, "imdb.lm.lr": 0.003, "imdb.classifier.max_len": 100,
        "imdb.classifier.batch_size": 32, "imdb.classifier.unfreeze": [-1, 0], "imdb.classifier.epochs": [2, 3],
        "imdb.classifier.lr": [0.03, 0.01],
        "imdb.baselines.tfidf_max_features": 5000, "imdb.lm_samples.per_prompt": 1, "imdb.lm_samples.words": 5,
    })
    project.commit("tiny imdb")
    project.run("dvc", "repro", *TARGETS)
    return project


def test_imdb_repro_trains_lm_and_classifier_and_scores_test(trained):
    project = trained
    tokens = pd.read_parquet(project.path / "data/imdb/tokens.parquet", columns=["split"])
    assert tokens["split"].value_counts().to_dict() == {"unsup": 50_000, "train": 25_000, "test": 25_000}
    vocab = json.loads((project.path / "data/imdb/prepared/vocab.json").read_text())
    assert len(vocab) == 3000 and vocab[0] == "xxunk"

    metrics = json.loads((project.path / pipeline.METRICS).read_text())
    baselines = json.loads((project.path / pipeline.BASELINES).read_text())
    valid = json.loads((project.path / pipeline.VALID_METRICS).read_text())
    assert baselines["baseline_tfidf_test_accuracy"] > 0.6  # 1,600 reviews already beat a coin
    assert baselines["baseline_nbsvm_test_accuracy"] > 0.6
    # the classifier stage scores validation only; the same NB-SVM as the baseline stage's
    assert not any("test" in key for key in valid)
    assert valid["nbsvm_valid_accuracy"] == baselines["baseline_nbsvm_valid_accuracy"]
    assert metrics["valid_accuracy"] == valid["model_valid_accuracy"]
    assert metrics["nbsvm_test_accuracy"] == baselines["baseline_nbsvm_test_accuracy"]
    assert metrics["test_accuracy"] == metrics["model_test_accuracy"]
    for role, scores in (("valid", valid), ("test", metrics)):
        # McNemar counts the reviews exactly one of the two gets right: their difference is the gap
        gap = scores[f"model_{role}_accuracy"] - scores[f"nbsvm_{role}_accuracy"]
        n = 2000 if role == "test" else 400  # a fifth of 2,000 labelled training reviews
        assert scores[f"model_vs_nbsvm_{role}_a_only"] - scores[f"model_vs_nbsvm_{role}_b_only"] == round(gap * n)
        assert 0 < scores[f"model_vs_nbsvm_{role}_p_value"] <= 1
    assert metrics["lm_valid_perplexity"] < 3000  # below a uniform guess over the vocabulary
    wrong = pd.read_csv(project.path / pipeline.WRONG)
    assert {"id", "label", "p_positive", "text"} <= set(wrong.columns)
    assert project.run("git", "check-ignore", str(pipeline.WRONG), check=False).returncode == 0  # texts stay out of git

    lm_run, clf_run = project.runs("imdb", kind="training")
    assert (lm_run.data.tags["mlflow.runName"], clf_run.data.tags["mlflow.runName"]) == \
        ("language model", "classifier")
    assert clf_run.data.tags["lm_run_id"] == lm_run.info.run_id
    assert lm_run.info.status == clf_run.info.status == "FINISHED"
    assert clf_run.data.metrics["test_accuracy"] == pytest.approx(metrics["test_accuracy"])
    client = mlflow.MlflowClient()
    history = client.get_metric_history(lm_run.info.run_id, "valid_perplexity")
    assert [m.step for m in history] == [1, 2, 3]
    assert history[2].value < history[1].value < history[0].value  # it learns from every pass
    # the running loss by optimizer step: every STEP_LOG_EVERY steps and at each epoch's end
    steps = [m.step for m in client.get_metric_history(lm_run.info.run_id, tracking.STEP_LOSS)]
    per_epoch = steps[len(steps) // 3 - 1]
    assert steps[:2] == [STEP_LOG_EVERY, 2 * STEP_LOG_EVERY] and steps[-1] == 3 * per_epoch
    assert per_epoch in steps and 2 * per_epoch in steps
    samples = (project.path / "eval/imdb/lm_samples.md").read_text()
    assert samples.count("**This movie was**") == 1
    # both trainings log the token ids they read, with digests
    inputs = {i.dataset.name: i.dataset for run in (lm_run, clf_run) for i in run.inputs.dataset_inputs}
    assert set(inputs) == {"imdb-lm-train", "imdb-lm-valid", "imdb-classifier-train", "imdb-classifier-valid"}
    assert all(len(dataset.digest) == 16 for dataset in inputs.values())

    model = mlflow.pyfunc.load_model(f"runs:/{clf_run.info.run_id}/model")
    out = model.predict(pd.DataFrame({"text": ["What a wonderful film!", "Awful. 1/10."]}))
    assert list(out.columns) == ["label", "probability"] and len(out) == 2


def test_pretraining_beats_a_random_encoder(trained, monkeypatch):
    """The lesson's claim, on the sample: the same classifier, trained the same way, is better on
    validation when its encoder comes from the trained language model than from a fresh one."""
    monkeypatch.chdir(trained.path)
    cfg = load_config(params.load())
    vocab = pipeline.read_vocab()
    fresh = learner.TextModel(learner.build_lm(cfg.lm, len(vocab)), {"lm": cfg.lm}, vocab)
    train, valid = (pipeline.read_labelled(role).arrays for role in ("clas_train", "clas_valid"))
    random_start = learner.train_classifier(cfg.classifier, fresh, train, valid, torch.device("cpu")).history[-1]
    pretrained = pd.read_csv(pipeline.CLASSIFIER_HISTORY).iloc[-1]
    figures = f"pretrained {dict(pretrained)}, random encoder {random_start}"
    assert pretrained["valid_loss"] < random_start["valid_loss"], figures
    assert pretrained["valid_accuracy"] > random_start["valid_accuracy"], figures


def test_mlflow_models_serve_answers_raw_text(trained, serve_model):
    _, clf_run = trained.runs("imdb", kind="training")
    champion = mlflow.MlflowClient().get_model_version_by_alias("embedlab-imdb", "champion")
    assert champion.run_id == clf_run.info.run_id  # the classifier, not the language model
    server = serve_model(trained, "models:/embedlab-imdb@champion")
    reviews = pd.DataFrame({"text": ["What a wonderful film!", "Awful. 1/10.", "<br />Meh."]})
    served = pd.DataFrame(server.predictions(reviews))
    assert list(served.columns) == ["label", "probability"] and len(served) == 3
    assert set(served["label"]) <= {"negative", "positive"}
    assert served["probability"].between(0, 1).all()
    assert (served["label"] == np.where(served["probability"] >= 0.5, "positive", "negative")).all()
    local = mlflow.pyfunc.load_model(f"runs:/{clf_run.info.run_id}/model").predict(reviews)
    assert np.allclose(served["probability"].to_numpy(), local["probability"].to_numpy())


def test_plots_render_the_confusion_matrix_from_the_predictions(trained):
    shown = dvc_plots.show(trained.path, ["IMDB language model", "IMDB classifier", str(pipeline.PLOTS),
                                          str(pipeline.TEST_PREDICTIONS)], trained.env)
    assert dvc_plots.problems(shown) == []
    [confusion] = shown["data"][str(pipeline.TEST_PREDICTIONS)]
    assert dvc_plots.axes(confusion) == {"x": ("actual", "nominal"), "y": ("predicted", "nominal")}
    assert len(confusion["content"]["data"]["values"]) == 2000  # one row per test review


def test_reproduce_retrains_the_classifier_from_the_language_model_its_run_logged(trained):
    done = trained.run("python", str(ENTRY), "imdb", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    *lines, kept = done.stdout.strip().splitlines()
    assert "(imdb, 'classifier'," in lines[0]
    assert lines[-1].startswith("identical: ") and "over 5 epochs" in lines[-1], lines[-1]
    # as its stage: a classifier's reviews of every length would fragment a heap that keeps it
    assert kept == "kept freed memory: False"
    # --lm retrains the language model as well, and compares it with its own run first
    done = trained.run("python", str(ENTRY), "imdb", "--lm", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    *lines, kept = done.stdout.strip().splitlines()
    assert kept == "kept freed memory: False"
    [lm_line] = [line for line in lines if line.startswith("language model: ")]
    assert lm_line.startswith("language model: identical: ") and "over 3 epochs" in lm_line
    assert lines[-1].startswith("identical: ")


def test_an_edit_to_the_prediction_code_reruns_the_evaluation_not_the_language_model(trained):
    assert trained.outdated(*TARGETS) == set(), trained.run("dvc", "status").stdout
    predict = trained.path / "src/embedlab/imdb/predict.py"
    predict.write_text(predict.read_text() + "\n# an edit\n")
    outdated = trained.outdated(*TARGETS)
    assert {"imdb_classifier", "imdb_evaluate"} <= outdated  # the classifier logs its served model with it
    assert not outdated & {"imdb_tokenize", "imdb_vocab", "imdb_lm", "imdb_baselines"}
    assert {"imdb_classifier", "imdb_evaluate"} == trained.ran(trained.run("dvc", "repro", *TARGETS))
