"""Raw review text in, label and probability out: the function, and the same as an MLflow model."""
from __future__ import annotations

from pathlib import Path

import mlflow.pyfunc
import pandas as pd
import torch

from embedlab.errors import EmbedlabError
from embedlab.imdb import learner
from embedlab.imdb.config import ClassifierConfig, LMConfig
from embedlab.imdb.tokenize import tokenize
from embedlab.imdb.vocab import numericalize
from embedlab.serving import log_pyfunc, signature

LABELS = ("negative", "positive")


def load_classifier(path: Path):
    """(classifier, vocab, classifier config) from a saved classifier file."""
    if not Path(path).is_file():
        raise EmbedlabError(f"no trained classifier at {path}; run `dvc repro imdb_classifier` first")
    saved = torch.load(path, weights_only=True)
    lm_cfg, cfg = LMConfig(**saved["configs"]["lm"]), ClassifierConfig(**saved["configs"]["classifier"])
    clf = learner.build_classifier(lm_cfg, cfg, len(saved["vocab"]))
    clf.load_state_dict(saved["state_dict"])
    return clf.eval(), saved["vocab"], cfg


def predict_texts(clf, vocab: list[str], max_len: int, texts: list[str],
                  precision: str = "fp32") -> pd.DataFrame:
    """One row per text: label ('positive'/'negative') and P(positive), with the tokenizer and
    vocabulary the model was trained with."""
    if not texts:
        return pd.DataFrame({"label": pd.Series(dtype=str), "probability": pd.Series(dtype=float)})
    ids, offsets = numericalize([" ".join(tokenize(t)) for t in texts], vocab)
    proba = learner.predict_proba(clf, ids, offsets, max_len, precision=precision)
    return pd.DataFrame({"label": [LABELS[int(p >= 0.5)] for p in proba], "probability": proba})


class ReviewSentiment(mlflow.pyfunc.PythonModel):
    """Serves `predict_texts` on a frame with a `text` column."""

    def load_context(self, context):
        self.clf, self.vocab, self.cfg = load_classifier(Path(context.artifacts["classifier"]))

    def predict(self, context, model_input, params=None):
        texts = model_input["text"] if isinstance(model_input, pd.DataFrame) else model_input
        return predict_texts(self.clf, self.vocab, self.cfg.max_len, [str(t) for t in texts],
                             self.cfg.precision)


def log_review_model(model_path: Path, name: str = "model") -> None:
    example = pd.DataFrame({"text": ["A wonderful, moving film.", "Dull and far too long. 2/10"]})
    clf, vocab, cfg = load_classifier(model_path)
    output = predict_texts(clf, vocab, cfg.max_len, list(example["text"]), cfg.precision)
    log_pyfunc(ReviewSentiment(), artifacts={"classifier": str(model_path)}, input_example=example,
               signature=signature(example, output), name=name)
