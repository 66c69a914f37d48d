"""The IMDB glue: validation roles, LM and classifier training on tiny data, text prediction."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from mlflow.pyfunc import PythonModelContext

from embedlab.errors import EmbedlabError
from embedlab.imdb import learner, nbsvm
from embedlab.imdb.config import ClassifierConfig, LMConfig
from embedlab.imdb.predict import ReviewSentiment, predict_texts
from embedlab.imdb.split import assign_roles
from embedlab.imdb.tokenize import tokenize
from embedlab.imdb.vocab import build_vocab, numericalize
from embedlab.training import native_bf16


def _reviews(n_train=40, n_test=20, n_unsup=30) -> pd.DataFrame:
    """Two reviews a film: one positive, one negative."""
    rows = [("train", i % 2, i, f"tt{i // 2}") for i in range(n_train)] \
        + [("test", i % 2, i, f"tt{100 + i // 2}") for i in range(n_test)] \
        + [("unsup", -1, i, f"tt{200 + i}") for i in range(n_unsup)]
    return pd.DataFrame(rows, columns=["split", "label", "id", "movie"])


def test_roles_keep_test_out_of_training_and_stratify():
    roles = assign_roles(_reviews(), lm_valid_frac=0.1, clas_valid_frac=0.25, lm_unsup_reviews=None, seed=0)
    test = roles["split"] == "test"
    assert roles.loc[test, "test"].all() and not roles.loc[test, ["lm_train", "lm_valid", "clas_train",
                                                                   "clas_valid"]].any().any()
    assert not (roles["lm_train"] & roles["lm_valid"]).any()
    assert not (roles["clas_train"] & roles["clas_valid"]).any()
    assert (roles["clas_train"] | roles["clas_valid"]).sum() == 40
    assert roles.loc[roles["clas_valid"], "label"].value_counts().to_dict() == {0: 5, 1: 5}
    assert roles.loc[roles["split"] == "unsup", ["clas_train", "clas_valid"]].sum().sum() == 0


def test_validation_films_are_new_to_every_model():
    roles = assign_roles(_reviews(), lm_valid_frac=0.1, clas_valid_frac=0.25, lm_unsup_reviews=None, seed=0)
    lm_text = roles["lm_train"] | roles["lm_valid"]
    assert not (roles["clas_valid"] & lm_text).any()
    assert (lm_text == (roles["clas_train"] | (roles["split"] == "unsup"))).all()  # 30 training + 30 unlabelled
    films = {role: set(roles.loc[roles[role], "movie"]) for role in ("clas_train", "clas_valid")}
    assert films["clas_valid"] and not films["clas_train"] & films["clas_valid"]
    # another seed holds out other films
    other = assign_roles(_reviews(), 0.1, 0.25, lm_unsup_reviews=None, seed=1)
    assert set(other.loc[other["clas_valid"], "movie"]) != films["clas_valid"]


def test_roles_subsample_unsup_and_labelled_reviews():
    roles = assign_roles(_reviews(), 0.1, 0.25, lm_unsup_reviews=10, seed=0, labelled_reviews=20)
    assert (roles.loc[roles["split"] == "unsup", ["lm_train", "lm_valid"]].any(axis=1)).sum() == 10
    assert (roles["clas_train"] | roles["clas_valid"]).sum() == 20
    assert roles["test"].sum() == 20
    assert roles.loc[roles["test"], "label"].value_counts().to_dict() == {0: 10, 1: 10}


LM = LMConfig(emb_size=16, hidden=24, layers=1, adaptive_softmax=False, dropout_scale=0.0, bptt=8,
              batch_size=4, max_tokens=None, epochs=2, lr=0.01, weight_decay=0.0, clip=0.3, seed=0,
              precision="fp32")
CLAS = ClassifierConfig(max_len=30, bptt=8, batch_size=8, dropout_scale=0.0, head_hidden=8, lr=(0.01, 0.01),
                        lr_decay=2.6, unfreeze=(-1, 0), epochs=(1, 2), weight_decay=0.0, seed=0,
                        precision="fp32", nbsvm_weight=0.0)
CPU = torch.device("cpu")
TEXTS = ["a great great film , loved it"] * 20 + ["a bad dull film , hated it"] * 20


def _labelled(vocab: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TEXTS as (ids, offsets, labels)."""
    ids, offsets = numericalize([" ".join(tokenize(t)) for t in TEXTS], vocab)
    return ids, offsets, np.array([1] * 20 + [0] * 20)


@pytest.fixture(scope="module")
def trained():
    vocab = build_vocab([" ".join(tokenize(t)) for t in TEXTS], max_size=100, min_freq=1)
    ids, offsets, labels = _labelled(vocab)
    torch.set_num_threads(1)
    lm = learner.train_lm(LM, ids[:-40], ids[-40:], vocab, CPU)
    reviews = (ids, offsets, labels)
    clf = learner.train_classifier(CLAS, lm.model, reviews, reviews, CPU)
    return vocab, lm.model.net, lm.history, clf.model, clf.history


def _lm(net, vocab):
    return learner.TextModel(net, {"lm": LM}, vocab)


def test_lm_history_has_perplexity_per_epoch(trained):
    _, _, lm_history, _, _ = trained
    assert [row["epoch"] for row in lm_history] == [1, 2]
    for row in lm_history:
        assert row["valid_perplexity"] == pytest.approx(np.exp(row["valid_loss"]))


def test_classifier_stages_number_epochs_and_unfreeze_gradually(trained):
    vocab, lm, _, clf, history = trained
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert all(0 <= row["valid_accuracy"] <= 1 for row in history)
    # the last stage trained everything: the encoder moved away from the LM's weights
    assert not torch.equal(clf.net.encoder.embedding.weight, lm.encoder.embedding.weight)
    # a head-only stage leaves the encoder exactly as the LM left it
    reviews = _labelled(vocab)
    head_only = dataclasses.replace(CLAS, unfreeze=(-1,), epochs=(1,), lr=(0.01,))
    frozen = learner.train_classifier(head_only, _lm(lm, vocab), reviews, reviews, CPU).model.net
    for name, value in lm.encoder.state_dict().items():
        assert torch.equal(frozen.encoder.state_dict()[name], value), name
    fresh = learner.build_classifier(LM, CLAS, len(vocab))
    assert not torch.equal(fresh.encoder.embedding.weight, lm.encoder.embedding.weight)


def test_each_unfreezing_stage_trains_at_its_own_lr(trained):
    vocab, lm, _, _, _ = trained
    reviews = _labelled(vocab)
    # everything unfrozen in stage 2, but at lr 0: the encoder must stay the LM's
    still = dataclasses.replace(CLAS, lr=(0.01, 0.0))
    clf = learner.train_classifier(still, _lm(lm, vocab), reviews, reviews, CPU).model.net
    for name, value in lm.encoder.state_dict().items():
        assert torch.equal(clf.encoder.state_dict()[name], value), name


def test_classifier_config_wants_one_lr_per_stage():
    with pytest.raises(EmbedlabError, match="one entry per stage"):
        dataclasses.replace(CLAS, lr=(0.01,))


def test_predict_texts_labels_raw_text(trained):
    _, _, _, clf, _ = trained
    out = predict_texts(clf, ["Loved it, a GREAT film!", "Dull. Hated it."])
    assert list(out.columns) == ["label", "probability"] and len(out) == 2
    assert out["probability"].between(0, 1).all()
    assert list(out["label"]) == ["positive" if p >= 0.5 else "negative" for p in out["probability"]]
    assert len(predict_texts(clf, [])) == 0


def test_bf16_classifier_trains_and_predicts_like_fp32(trained):
    vocab, lm, _, _, fp32_history = trained
    cfg = dataclasses.replace(CLAS, precision="bf16")
    if not native_bf16(CPU):  # refused up front, in one line (tests/test_training.py checks the message)
        with pytest.raises(EmbedlabError, match="precision bf16 needs"):
            learner.train_classifier(cfg, _lm(lm, vocab), _labelled(vocab), _labelled(vocab), CPU)
        return
    trained_bf16 = learner.train_classifier(cfg, _lm(lm, vocab), _labelled(vocab), _labelled(vocab), CPU)
    clf, history = trained_bf16.model, trained_bf16.history
    assert history != fp32_history  # bf16's rounding shows: the autocast was on
    # the same start (head-only epoch from the same LM) gives nearly the same loss
    assert history[0]["valid_loss"] == pytest.approx(fp32_history[0]["valid_loss"], abs=0.02)
    texts = ["Loved it, a GREAT film!", "Dull. Hated it.", "a film"]
    in_bf16 = predict_texts(clf, texts)["probability"].to_numpy()
    as_fp32 = dataclasses.replace(clf, configs={**clf.configs, "classifier": CLAS})
    in_fp32 = predict_texts(as_fp32, texts)["probability"].to_numpy()
    assert not np.array_equal(in_bf16, in_fp32)
    np.testing.assert_allclose(in_bf16, in_fp32, atol=0.05)


def test_review_sentiment_pyfunc_serves_predict_texts(trained, tmp_path):
    _, _, _, clf, _ = trained
    clf.save(tmp_path / "model.pt")
    pyfunc = ReviewSentiment()
    pyfunc.load_context(PythonModelContext({"classifier": str(tmp_path / "model.pt")}, None))
    texts = ["Loved it, a GREAT film!", "Dull. Hated it."]
    out = pyfunc.predict(None, pd.DataFrame({"text": texts}))
    expected = predict_texts(clf, texts)
    assert list(out["label"]) == list(expected["label"])
    np.testing.assert_allclose(out["probability"], expected["probability"], rtol=1e-6)


def test_loading_with_another_vocabulary_is_an_error(trained, tmp_path):
    vocab, lm, _, _, _ = trained
    _lm(lm, vocab).save(tmp_path / "lm.pt")
    loaded = learner.load_lm(tmp_path / "lm.pt", vocab)
    assert loaded.configs == {"lm": LM} and loaded.vocab == vocab
    for name, value in lm.state_dict().items():
        assert torch.equal(loaded.net.state_dict()[name], value), name
    with pytest.raises(EmbedlabError, match="another vocabulary"):
        learner.load_lm(tmp_path / "lm.pt", vocab[:-1] + ["zzz"])


def test_the_published_model_averages_the_network_with_nbsvm(trained, tmp_path):
    _, _, _, clf, _ = trained
    texts = ["Loved it, a GREAT film!", "Dull. Hated it.", "a film"]
    baseline = nbsvm.nbsvm(ngrams=2, c=1.0, max_features=None).fit(
        [" ".join(tokenize(t)) for t in TEXTS], np.array([1] * 20 + [0] * 20))
    alone = nbsvm.proba(baseline, [" ".join(tokenize(t)) for t in texts])
    network = predict_texts(clf, texts)["probability"].to_numpy()  # nbsvm_weight 0: the network alone
    quarter = dataclasses.replace(CLAS, nbsvm_weight=0.25)
    weighted = dataclasses.replace(clf, configs={**clf.configs, "classifier": quarter})
    out = predict_texts(weighted, texts, baseline)
    np.testing.assert_allclose(out["probability"], 0.75 * network + 0.25 * alone, rtol=1e-6)
    with pytest.raises(EmbedlabError, match="needs its NB-SVM"):
        predict_texts(weighted, texts)
    # served: the MLflow model carries the NB-SVM beside the network and gives the same
    weighted.save(tmp_path / "model.pt")
    nbsvm.save(baseline, tmp_path / "nbsvm.joblib")
    pyfunc = ReviewSentiment()
    pyfunc.load_context(PythonModelContext({"classifier": str(tmp_path / "model.pt"),
                                            "nbsvm": str(tmp_path / "nbsvm.joblib")}, None))
    np.testing.assert_allclose(pyfunc.predict(None, pd.DataFrame({"text": texts}))["probability"],
                               out["probability"], rtol=1e-6)
