"""Train the language model, then the classifier on its encoder (gradual unfreezing,
discriminative learning rates), and predict with them."""
from __future__ import annotations

import math
from dataclasses import asdict
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
from embedlab.training import fit, predict, seed_everything, wants_bf16

# AWD-LSTM's dropouts as fastai sets them for a language model, scaled by `dropout_scale`
# (fastai's drop_mult); the classifier's are heavier (ULMFiT), by the same scale.
LM_DROPOUTS = {"input_p": 0.25, "hidden_p": 0.15, "weight_p": 0.2, "embed_p": 0.02, "output_p": 0.1}
CLAS_DROPOUTS = {"input_p": 0.4, "hidden_p": 0.3, "weight_p": 0.5, "embed_p": 0.05}
HEAD_DROPOUTS = (0.4, 0.1)
BETAS = (0.7, 0.99)  # the lesson's Adam betas for RNNs


def _encoder(cfg: LMConfig, vocab_size: int, scale: float, base: dict) -> m.AWDLSTMEncoder:
    return m.AWDLSTMEncoder(vocab_size, cfg.emb_size, cfg.hidden, cfg.layers,
                            **{k: base[k] * scale for k in ("input_p", "hidden_p", "weight_p", "embed_p")})


def build_lm(cfg: LMConfig, vocab_size: int) -> m.LanguageModel:
    cutoffs = m.geometric_cutoffs(vocab_size) if cfg.adaptive_softmax else None
    return m.LanguageModel(_encoder(cfg, vocab_size, cfg.dropout_scale, LM_DROPOUTS),
                           output_p=LM_DROPOUTS["output_p"] * cfg.dropout_scale, cutoffs=cutoffs)


def build_classifier(lm_cfg: LMConfig, cfg: ClassifierConfig, vocab_size: int) -> m.SentimentClassifier:
    encoder = _encoder(lm_cfg, vocab_size, cfg.dropout_scale, CLAS_DROPOUTS)
    return m.SentimentClassifier(encoder, head_hidden=cfg.head_hidden,
                                 head_ps=tuple(p * cfg.dropout_scale for p in HEAD_DROPOUTS),
                                 bptt=cfg.bptt, max_len=cfg.max_len)


def train_lm(cfg: LMConfig, train_ids: np.ndarray, valid_ids: np.ndarray, vocab_size: int,
             device: torch.device, on_epoch: Callable[[dict], None] | None = None):
    """Returns (language model, history); each history row has valid_perplexity."""
    seed_everything(cfg.seed)
    if cfg.max_tokens:
        train_ids = train_ids[: cfg.max_tokens]
    lm = build_lm(cfg, vocab_size)

    def with_perplexity(row: dict) -> None:
        row["valid_perplexity"] = math.exp(row["valid_loss"])
        if on_epoch:
            on_epoch(row)

    history = fit(lm, LMBatches(train_ids, cfg.batch_size, cfg.bptt, cfg.seed),
                  LMBatches(valid_ids, cfg.batch_size, cfg.bptt, cfg.seed, variable=False), lm.loss,
                  epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay, device=device,
                  betas=BETAS, clip=cfg.clip, on_epoch=with_perplexity,
                  bf16=wants_bf16(cfg.precision, device))
    return lm.cpu(), history


def accuracy(y: np.ndarray, logits: np.ndarray) -> float:
    return float((logits.argmax(1) == y).mean())


def train_classifier(cfg: ClassifierConfig, lm_cfg: LMConfig, lm_state: dict, vocab_size: int,
                     train: tuple[np.ndarray, np.ndarray, np.ndarray],
                     valid: tuple[np.ndarray, np.ndarray, np.ndarray], device: torch.device,
                     on_epoch: Callable[[dict], None] | None = None):
    """Gradual unfreezing: one one-cycle fit per stage, each training layer groups
    `unfreeze[k]` onwards at ULMFiT's discriminative rates below a peak of `lr[k]`.
    Returns (classifier, history)."""
    seed_everything(cfg.seed)
    clf = build_classifier(lm_cfg, cfg, vocab_size)
    m.load_encoder(clf, lm_state)
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
                       bf16=wants_bf16(cfg.precision, device))
        done += epochs
    return clf.cpu(), history


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


def save(path: Path, model: nn.Module, configs: dict, vocab: list[str]) -> None:
    with atomic_path(path) as tmp:
        torch.save({"configs": {k: asdict(v) for k, v in configs.items()}, "vocab": vocab,
                    "state_dict": model.state_dict()}, tmp)


def load_state(path: Path, vocab: list[str]) -> dict:
    if not path.is_file():
        raise EmbedlabError(f"no trained model at {path}; run its stage first")
    saved = torch.load(path, weights_only=True)
    if saved["vocab"] != vocab:
        check_vocab_matches(vocab, len(saved["vocab"]))
        raise EmbedlabError(f"{path} was trained with another vocabulary than this one; "
                            "re-run its stage (dvc repro) so model and vocabulary match")
    return saved
