"""Learning-rate range tests of the IMDB models, from where `learner.train_lm` and
`learner.train_classifier` start them: the same seeds, batches, Adam betas, clipping, precision,
and for the classifier each stage's frozen layer groups and discriminative rates."""
from __future__ import annotations

from itertools import islice
from typing import Iterator

import numpy as np
import torch
from torch import nn

from embedlab.imdb import model as m
from embedlab.imdb.batches import ClassifierBatches, LMBatches
from embedlab.imdb.config import ClassifierConfig, LMConfig
from embedlab.imdb.learner import BETAS, TextModel, build_classifier, build_lm
from embedlab.lr_find import FinderConfig, RangeTest, range_test
from embedlab.training import fit, seed_everything, wants_bf16


def find_lr_lm(cfg: LMConfig, train_ids: np.ndarray, vocab: list[str], finder: FinderConfig,
               device: torch.device) -> RangeTest:
    seed_everything(cfg.seed)
    if cfg.max_tokens:
        train_ids = train_ids[: cfg.max_tokens]
    lm = build_lm(cfg, len(vocab))
    return range_test(lm, LMBatches(train_ids, cfg.batch_size, cfg.bptt, cfg.seed), lm.loss, finder,
                      device=device, weight_decay=cfg.weight_decay, betas=BETAS, clip=cfg.clip,
                      bf16=wants_bf16(cfg.precision, device), desc="lr finder (language model)")


class _First:
    """The first `n` batches of each pass (a pass as `fit` sees it, with its length)."""

    def __init__(self, batches, n: int):
        self.batches, self.n = batches, min(n, len(batches))

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return islice(iter(self.batches), self.n)


def _unfreeze(clf: m.SentimentClassifier, first_group: int, peak_lr: float, decay: float):
    """(trainable groups, their discriminative rates), as `learner.train_classifier` sets them."""
    m.freeze_to(clf, first_group)
    groups = m.layer_groups(clf)
    pairs = [(g, lr) for g, lr in zip(groups, m.discriminative_lrs(peak_lr, len(groups), decay)) if g[0].requires_grad]
    return [g for g, _ in pairs], [lr for _, lr in pairs]


def find_lr_classifier(cfg: ClassifierConfig, lm: TextModel, train: tuple[np.ndarray, np.ndarray, np.ndarray],
                       finder: FinderConfig, device: torch.device) -> Iterator[RangeTest]:
    """One range test per stage of gradual unfreezing, each from where that stage starts, as the
    lesson runs lr_find between stages: stage 1 from the LM's encoder under a new head, stage k
    from the classifier after stages 1..k-1, each of them trained here for `finder.batches` steps
    (a one-cycle at its own rates: a short stand-in for its epochs). Each test has its stage's
    frozen groups and discriminative rates; the rate it records is the head's."""
    seed_everything(cfg.seed)
    bf16 = wants_bf16(cfg.precision, device)
    clf = build_classifier(lm.configs["lm"], cfg, len(lm.vocab))
    m.load_encoder(clf, lm.net.state_dict())
    batches = ClassifierBatches(*train, cfg.batch_size, cfg.max_len, shuffle=True, seed=cfg.seed)
    for stage, first_group in enumerate(cfg.unfreeze):
        if stage:
            groups, lrs = _unfreeze(clf, cfg.unfreeze[stage - 1], cfg.lr[stage - 1], cfg.lr_decay)
            print(f"stage {stage}, briefly: {len(_First(batches, finder.batches))} batches", flush=True)
            fit(clf, _First(batches, finder.batches), [], nn.CrossEntropyLoss(), epochs=1, lr=lrs,
                weight_decay=cfg.weight_decay, device=device, param_groups=[{"params": g} for g in groups],
                betas=BETAS, bf16=bf16)
        groups, ratios = _unfreeze(clf, first_group, 1.0, cfg.lr_decay)
        yield range_test(clf, batches, nn.CrossEntropyLoss(), finder, device=device, weight_decay=cfg.weight_decay,
                         betas=BETAS, groups=groups, ratios=ratios, bf16=bf16, desc=f"lr finder (stage {stage + 1})")
