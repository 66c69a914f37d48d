"""Raw review text in, label and probability out: the function, and the same as an MLflow model."""
from __future__ import annotations

from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import torch

from embedlab.errors import EmbedlabError
from embedlab.imdb import learner
from embedlab.imdb.config import ClassifierConfig, LMConfig
from embedlab.imdb.tokenize import tokenize
from embedlab.imdb.vocab import numericalize
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


def predict_texts(model: learner.TextModel, texts: list[str]) -> pd.DataFrame:
    """One row per text: label ('positive'/'negative') and P(positive), with the tokenizer and
    vocabulary the model was trained with."""
    if not texts:
        return pd.DataFrame({"label": pd.Series(dtype=str), "probability": pd.Series(dtype=float)})
    ids, offsets = numericalize([" ".join(tokenize(t)) for t in texts], model.vocab)
    proba = predict_proba(model, ids, offsets)
    return pd.DataFrame({"label": [LABELS[int(p >= 0.5)] for p in proba], "probability": proba})


class ReviewSentiment(mlflow.pyfunc.PythonModel):
    """Serves `predict_texts` on a frame with a `text` column."""

    def load_context(self, context):
        self.model = load_classifier(Path(context.artifacts["classifier"]))

    def predict(self, context, model_input, params=None):
        texts = model_input["text"] if isinstance(model_input, pd.DataFrame) else model_input
        return predict_texts(self.model, [str(t) for t in texts])


def log_review_model(model_path: Path, name: str = "model") -> None:
    example = pd.DataFrame({"text": ["A wonderful, moving film.", "Dull and far too long. 2/10"]})
    output = predict_texts(load_classifier(model_path), list(example["text"]))
    log_pyfunc(ReviewSentiment(), artifacts={"classifier": str(model_path)}, input_example=example,
               signature=signature(example, output), name=name)
