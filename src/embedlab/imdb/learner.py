"""Train the language model, then the classifier on its encoder (gradual unfreezing,
discriminative learning rates), and predict with them."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from embedlab.atomic import atomic_path
from embedlab.errors import EmbedlabError
from embedlab.imdb import model as m
from embedlab.imdb.batches import ClassifierBatches, LMBatches
from embedlab.imdb.config import ClassifierConfig, LMConfig
from embedlab.imdb.vocab import check_vocab_matches
from embedlab.params import build, with_legacy_defaults
from embedlab.training import fit, predict, seed_everything, wants_bf16

BETAS = (0.7, 0.99)  # the lesson's Adam betas for RNNs


@dataclass(frozen=True)
class TextModel:
    """A language model or a classifier, with the configs that rebuild it and its vocabulary."""
    net: nn.Module
    configs: dict  # {"lm": LMConfig}, and for a classifier also {"classifier": ClassifierConfig}
    vocab: list[str]

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            torch.save({"configs": {k: asdict(v) for k, v in self.configs.items()}, "vocab": self.vocab,
                        "state_dict": self.net.state_dict()}, tmp)


@dataclass(frozen=True)
class Trained:
    model: TextModel
    history: list[dict]  # one row per epoch


def _encoder(cfg: LMConfig, vocab_size: int, scale: float, base: dict) -> m.AWDLSTMEncoder:
    return m.AWDLSTMEncoder(vocab_size, cfg.emb_size, cfg.hidden, cfg.layers,
                            **{k: base[k] * scale for k in ("input_p", "hidden_p", "weight_p", "embed_p")})


def build_lm(cfg: LMConfig, vocab_size: int) -> m.LanguageModel:
    cutoffs = m.geometric_cutoffs(vocab_size) if cfg.adaptive_softmax else None
    return m.LanguageModel(_encoder(cfg, vocab_size, cfg.dropout_scale, m.LM_DROPOUTS),
                           output_p=m.LM_DROPOUTS["output_p"] * cfg.dropout_scale, cutoffs=cutoffs)


def build_classifier(lm_cfg: LMConfig, cfg: ClassifierConfig, vocab_size: int) -> m.SentimentClassifier:
    encoder = _encoder(lm_cfg, vocab_size, cfg.dropout_scale, m.CLASSIFIER_DROPOUTS)
    return m.SentimentClassifier(encoder, head_hidden=cfg.head_hidden,
                                 head_ps=tuple(p * cfg.dropout_scale for p in m.HEAD_DROPOUTS),
                                 bptt=cfg.bptt, max_len=cfg.max_len)


def train_lm(cfg: LMConfig, train_ids: np.ndarray, valid_ids: np.ndarray, vocab: list[str],
             device: torch.device, on_epoch: Callable[[dict], None] | None = None,
             on_step: Callable[[float, int], None] | None = None) -> Trained:
    """Each history row has valid_perplexity."""
    seed_everything(cfg.seed)
    if cfg.max_tokens:
        train_ids = train_ids[: cfg.max_tokens]
    lm = build_lm(cfg, len(vocab))

    def with_perplexity(row: dict) -> None:
        row["valid_perplexity"] = math.exp(row["valid_loss"])
        if on_epoch:
            on_epoch(row)

    history = fit(lm, LMBatches(train_ids, cfg.batch_size, cfg.bptt, cfg.seed),
                  LMBatches(valid_ids, cfg.batch_size, cfg.bptt, cfg.seed, variable=False), lm.loss,
                  epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay, device=device,
                  betas=BETAS, clip=cfg.clip, on_epoch=with_perplexity, on_step=on_step,
                  bf16=wants_bf16(cfg.precision, device), unit="tokens")
    return Trained(TextModel(lm.cpu(), {"lm": cfg}, vocab), history)


def accuracy(y: np.ndarray, logits: np.ndarray) -> float:
    return float((logits.argmax(1) == y).mean())


def train_classifier(cfg: ClassifierConfig, lm: TextModel, train: tuple[np.ndarray, np.ndarray, np.ndarray],
                     valid: tuple[np.ndarray, np.ndarray, np.ndarray], device: torch.device,
                     on_epoch: Callable[[dict], None] | None = None,
                     on_step: Callable[[float, int], None] | None = None) -> Trained:
    """The classifier on `lm`'s encoder (built with the language model's own config), by gradual
    unfreezing: one one-cycle fit per stage, each training layer groups `unfreeze[k]` onwards at
    ULMFiT's discriminative rates below a peak of `lr[k]`. `train` and `valid` are (token ids,
    offsets, labels)."""
    seed_everything(cfg.seed)
    lm_cfg, vocab = lm.configs["lm"], lm.vocab
    clf = build_classifier(lm_cfg, cfg, len(vocab))
    m.load_encoder(clf, lm.net.state_dict())
    train_batches = ClassifierBatches(*train, cfg.batch_size, cfg.max_len, shuffle=True, seed=cfg.seed)
    valid_batches = ClassifierBatches(*valid, cfg.batch_size, cfg.max_len, shuffle=False, seed=cfg.seed)
    history: list[dict] = []
    done = 0

    def numbered(row: dict) -> None:
        row["epoch"] += done
        if on_epoch:
            on_epoch(row)

    for stage, (first_group, epochs, peak_lr) in enumerate(zip(cfg.unfreeze, cfg.epochs, cfg.lr)):
        m.freeze_to(clf, first_group)
        groups = m.layer_groups(clf)
        lrs = m.discriminative_lrs(peak_lr, len(groups), cfg.lr_decay)
        trainable = [(g, lr) for g, lr in zip(groups, lrs) if g[0].requires_grad]
        print(f"stage {stage + 1}: training {len(trainable)} of {len(groups)} layer groups")
        history += fit(clf, train_batches, valid_batches, nn.CrossEntropyLoss(),
                       epochs=epochs, lr=[lr for _, lr in trainable], weight_decay=cfg.weight_decay,
                       device=device, param_groups=[{"params": g} for g, _ in trainable],
                       betas=BETAS, metrics={"valid_accuracy": accuracy}, on_epoch=numbered,
                       on_step=on_step, bf16=wants_bf16(cfg.precision, device), unit="reviews")
        done += epochs
    return Trained(TextModel(clf.cpu(), {"lm": lm_cfg, "classifier": cfg}, vocab), history)


def predict_proba(clf: m.SentimentClassifier, ids: np.ndarray, offsets: np.ndarray, max_len: int,
                  batch_size: int = 64, precision: str = "fp32") -> np.ndarray:
    """P(positive) per review, in the reviews' own order, on the CPU."""
    batches = ClassifierBatches(ids, offsets, np.zeros(len(offsets) - 1, dtype=np.int64), batch_size,
                                max_len, shuffle=False, seed=0)
    cpu = torch.device("cpu")
    logits, _ = predict(clf, batches, cpu, bf16=wants_bf16(precision, cpu))
    proba = np.empty(len(offsets) - 1)
    proba[batches.order] = torch.softmax(torch.from_numpy(logits), 1)[:, 1].numpy()
    return proba


def load_state(path: Path, vocab: list[str]) -> dict:
    if not path.is_file():
        raise EmbedlabError(f"no trained model at {path}; run its stage first")
    saved = torch.load(path, weights_only=True)
    if saved["vocab"] != vocab:
        check_vocab_matches(vocab, len(saved["vocab"]))
        raise EmbedlabError(f"{path} was trained with another vocabulary than this one; "
                            "re-run its stage (dvc repro) so model and vocabulary match")
    return saved


def load_lm(path: Path, vocab: list[str]) -> TextModel:
    """The language model saved at `path`, which must have been trained on `vocab`."""
    saved = load_state(path, vocab)
    cfg = build(LMConfig, with_legacy_defaults(saved["configs"]["lm"], "imdb.lm"), f"{path}'s lm")
    lm = build_lm(cfg, len(vocab))
    lm.load_state_dict(saved["state_dict"])
    return TextModel(lm.eval(), {"lm": cfg}, vocab)
