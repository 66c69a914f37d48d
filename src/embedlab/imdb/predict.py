"""Raw review text in, label and probability out: the function, and the same as an MLflow model.
The published model is the network's P(positive) averaged with NB-SVM's (imdb.classifier.nbsvm_weight)."""
from __future__ import annotations

from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import torch
from sklearn.metrics import accuracy_score

from embedlab.errors import EmbedlabError
from embedlab.imdb import learner, nbsvm
from embedlab.imdb.config import ClassifierConfig, LMConfig
from embedlab.imdb.pipeline import Labelled, tokens_of
from embedlab.imdb.tokenize import tokenize
from embedlab.imdb.vocab import numericalize
from embedlab.metrics import mcnemar
from embedlab.params import build, with_legacy_defaults
from embedlab.serving import log_pyfunc, signature

LABELS = ("negative", "positive")


def load_classifier(path: Path) -> learner.TextModel:
    if not Path(path).is_file():
        raise EmbedlabError(f"no trained classifier at {path}; run `dvc repro imdb_classifier` first")
    saved = torch.load(path, weights_only=True)
    configs = {name: build(cls, with_legacy_defaults(saved["configs"][name], f"imdb.{name}"), f"{path}'s {name}")
               for name, cls in (("lm", LMConfig), ("classifier", ClassifierConfig))}
    clf = learner.build_classifier(configs["lm"], configs["classifier"], len(saved["vocab"]))
    clf.load_state_dict(saved["state_dict"])
    return learner.TextModel(clf.eval(), configs, saved["vocab"])


def predict_proba(model: learner.TextModel, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """P(positive) per numericalized review, read and computed as the classifier was trained."""
    cfg = model.configs["classifier"]
    return learner.predict_proba(model.net, ids, offsets, cfg.max_len, precision=cfg.precision)


def combine(network: np.ndarray, nbsvm_proba: np.ndarray | None, weight: float) -> np.ndarray:
    """The published P(positive): (1 - weight) * the network's + weight * NB-SVM's."""
    if weight == 0:
        return network
    if nbsvm_proba is None:
        raise EmbedlabError(f"imdb.classifier.nbsvm_weight is {weight}: the model needs its NB-SVM; "
                            "run `dvc repro imdb_baselines`")
    return (1 - weight) * network + weight * nbsvm_proba


def probabilities(model: learner.TextModel, baseline, reviews: Labelled) -> dict[str, np.ndarray]:
    """P(positive) per review from the published model ("model"), and from its two halves alone
    ("network", "nbsvm")."""
    network = predict_proba(model, reviews.ids, reviews.offsets)
    alone = nbsvm.proba(baseline, tokens_of(reviews.rows))
    return {"model": combine(network, alone, model.configs["classifier"].nbsvm_weight), "network": network,
            "nbsvm": alone}


def accuracies(probas: dict[str, np.ndarray], labels: np.ndarray, role: str) -> dict[str, float]:
    """Each model's accuracy (`<name>_<role>_accuracy`) and McNemar's test of the published model
    against NB-SVM alone on the same reviews (`model_vs_nbsvm_<role>_p_value`, and the counts each
    alone got right)."""
    preds = {name: proba >= 0.5 for name, proba in probas.items()}
    out = {f"{name}_{role}_accuracy": float(accuracy_score(labels, pred)) for name, pred in preds.items()}
    test = mcnemar(labels, preds["model"], preds["nbsvm"])
    return out | {f"model_vs_nbsvm_{role}_{key}": value for key, value in test.items()}


def predict_texts(model: learner.TextModel, texts: list[str], baseline=None) -> pd.DataFrame:
    """One row per text: label ('positive'/'negative') and P(positive), with the tokenizer and
    vocabulary the model was trained with, and its NB-SVM (`baseline`) where it has a weight."""
    if not texts:
        return pd.DataFrame({"label": pd.Series(dtype=str), "probability": pd.Series(dtype=float)})
    tokens = [" ".join(tokenize(t)) for t in texts]
    ids, offsets = numericalize(tokens, model.vocab)
    weight = model.configs["classifier"].nbsvm_weight
    alone = nbsvm.proba(baseline, tokens) if weight and baseline is not None else None
    proba = combine(predict_proba(model, ids, offsets), alone, weight)
    return pd.DataFrame({"label": [LABELS[int(p >= 0.5)] for p in proba], "probability": proba})


class ReviewSentiment(mlflow.pyfunc.PythonModel):
    """Serves `predict_texts` on a frame with a `text` column."""

    def load_context(self, context):
        self.model = load_classifier(Path(context.artifacts["classifier"]))
        self.baseline = nbsvm.load(Path(context.artifacts["nbsvm"])) if "nbsvm" in context.artifacts else None

    def predict(self, context, model_input, params=None):
        texts = model_input["text"] if isinstance(model_input, pd.DataFrame) else model_input
        return predict_texts(self.model, [str(t) for t in texts], self.baseline)


def log_review_model(model: learner.TextModel, model_path: Path, baseline, nbsvm_path: Path,
                     name: str = "model") -> None:
    """The classifier `model` (saved at `model_path`), with the NB-SVM `baseline` (saved at
    `nbsvm_path`) it is averaged with when its nbsvm_weight is above 0."""
    artifacts = {"classifier": str(model_path)}
    if model.configs["classifier"].nbsvm_weight > 0:
        artifacts["nbsvm"] = str(nbsvm_path)
    example = pd.DataFrame({"text": ["A wonderful, moving film.", "Dull and far too long. 2/10"]})
    output = predict_texts(model, list(example["text"]), baseline)
    log_pyfunc(ReviewSentiment(), artifacts=artifacts, input_example=example,
               signature=signature(example, output), name=name)
