"""The `imdb` section of params.yaml as typed objects."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from embedlab.errors import EmbedlabError
from embedlab.params import build, section


@dataclass(frozen=True)
class VocabConfig:
    max_size: int
    min_freq: int
    lm_valid_frac: float      # share of language-model reviews held out
    clas_valid_frac: float    # share of labelled training reviews held out (stratified)
    lm_unsup_reviews: int | None  # how many unlabelled reviews join the LM text (null: all 50,000)
    seed: int
    labelled_reviews: int | None  # quick runs: a stratified sample of train and of test (null: all)

    def __post_init__(self):
        for name in ("lm_valid_frac", "clas_valid_frac"):
            if not 0 < getattr(self, name) < 1:
                raise EmbedlabError(f"imdb.vocab.{name} must be between 0 and 1")


@dataclass(frozen=True)
class LMConfig:
    emb_size: int
    hidden: int
    layers: int
    adaptive_softmax: bool
    dropout_scale: float  # fastai's drop_mult over the lesson's AWD-LSTM dropouts
    bptt: int
    batch_size: int
    max_tokens: int | None  # train on the first tokens of the (shuffled) LM text only
    epochs: int
    lr: float
    weight_decay: float
    clip: float
    seed: int
    # bfloat16 autocast or not; auto: where the hardware has it (training.wants_bf16)
    precision: Literal["auto", "bf16", "fp32"]


@dataclass(frozen=True)
class ClassifierConfig:
    max_len: int
    bptt: int
    batch_size: int
    dropout_scale: float
    head_hidden: int
    lr: tuple[float, ...]       # the head's peak lr per stage (lower groups: / lr_decay each)
    lr_decay: float
    unfreeze: tuple[int, ...]   # gradual unfreezing: layer groups trained per stage (-1 head only)
    epochs: tuple[int, ...]     # epochs per stage
    weight_decay: float
    seed: int
    precision: Literal["auto", "bf16", "fp32"]  # also used to predict
    # the published model's P(positive): (1 - w) * the network's + w * NB-SVM's (0: the network alone)
    nbsvm_weight: float

    def __post_init__(self):
        if not 0 <= self.nbsvm_weight <= 1:
            raise EmbedlabError("imdb.classifier.nbsvm_weight must be between 0 and 1")
        if not self.epochs or not len(self.unfreeze) == len(self.epochs) == len(self.lr):
            raise EmbedlabError("imdb.classifier.unfreeze, epochs and lr must be lists of the same "
                                "length: one entry per stage of gradual unfreezing")


@dataclass(frozen=True)
class SamplesConfig:
    prompts: tuple[str, ...]
    per_prompt: int        # generated continuations of each
    words: int


@dataclass(frozen=True)
class BaselinesConfig:
    tfidf_ngrams: int
    tfidf_max_features: int
    nbsvm_ngrams: int                # NB-SVM's n-grams: 1 to this
    nbsvm_c: float                   # its inverse regularisation
    nbsvm_max_features: int | None   # the most frequent n-grams kept (null: all)


@dataclass(frozen=True)
class ImdbConfig:
    vocab: VocabConfig
    lm: LMConfig
    lm_samples: SamplesConfig
    classifier: ClassifierConfig
    baselines: BaselinesConfig


def load_config(params: dict) -> ImdbConfig:
    return build(ImdbConfig, section(params, "imdb"), "imdb")
