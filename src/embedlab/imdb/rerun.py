"""What embedlab-reproduce needs of IMDB, whose training is two chained runs: a language-model run
is retrained from its params; a classifier run from its params and the very language model it
started from (the weights the LM run logged), or from a retrained one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from embedlab.imdb import learner, pipeline
from embedlab.imdb.config import ClassifierConfig, LMConfig
from embedlab.params import build, section, with_legacy_defaults
from embedlab.training import pick_device


@dataclass(frozen=True)
class Split:
    train: Any  # LM token ids, or a pipeline.Labelled
    valid: Any


def _config(tree: dict, name: str, cls: type):
    where = f"imdb.{name}"
    return build(cls, with_legacy_defaults(section(tree, where), where), where)


@dataclass(frozen=True)
class Retraining:
    """One IMDB run to retrain: the language model's (`start` None) or the classifier's, which starts
    from `start()`'s language model."""
    start: Callable[[], learner.TextModel] | None = None

    def read_split(self) -> Split:
        if self.start is None:
            return Split(*(pipeline.read_lm_text(role) for role in pipeline.LM_ROLES))
        return Split(pipeline.read_labelled("clas_train"), pipeline.read_labelled("clas_valid"))

    def datasets(self, split: Split):
        if self.start is None:
            return pipeline.lm_datasets(split.train, split.valid)
        return pipeline.classifier_datasets(split.train, split.valid)

    def fit(self, tree: dict, split: Split) -> learner.Trained:
        device = pick_device()
        if self.start is None:
            return learner.train_lm(_config(tree, "lm", LMConfig), split.train, split.valid, pipeline.read_vocab(),
                                    device)
        return learner.train_classifier(_config(tree, "classifier", ClassifierConfig), self.start(),
                                        split.train.arrays, split.valid.arrays, device)

    def train(self, tree: dict, split: Split) -> list[dict]:
        return self.fit(tree, split).history
