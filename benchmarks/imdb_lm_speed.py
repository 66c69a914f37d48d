"""Training throughput of the IMDB AWD-LSTM on CPU, to size a pipeline that fits in an hour.

Language model: tokens per second for one training step (forward, backward, clip, AdamW) on
batch x bptt windows, for the lesson's size and smaller CPU candidates, with the full softmax
or the tied adaptive one, in float32 and (two sizes) bfloat16 autocast; and the minutes one pass
over 30M tokens (all 100k reviews) and over 5M tokens would take. Classifier: tokens per second
training on (and predicting) reviews cut to their last `max_len` tokens, for the candidate
encoders.

Token ids are drawn from a Zipf law like real word frequencies, so the adaptive softmax's tail
clusters see about as many targets as they would on IMDB, and each step reads another of 64
windows, as training does: the number of targets per cluster changes from step to step, and
with it the matrix shapes (one fixed window hid a 25% cost of new shapes in bf16 until
TiedAdaptiveSoftmax padded its clusters' rows).

    python benchmarks/imdb_lm_speed.py [--threads 2] [--seconds 12]
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from embedlab.imdb.model import (CLASSIFIER_DROPOUTS, HEAD_DROPOUTS, LM_DROPOUTS, AWDLSTMEncoder, LanguageModel,
                                 SentimentClassifier, geometric_cutoffs)
from embedlab.imdb.vocab import PAD_ID, UNK_ID
from embedlab.cli import keep_freed_memory
from embedlab.cost import cpu_name
from embedlab.training import adamw, autocast

CPU = torch.device("cpu")

BPTT = 70
LESSON_VOCAB = 34_945
CLASSIC_CUTOFFS = (2_000, 10_000)
DROP_MULT = 0.7  # the lesson's multiplier over AWD-LSTM's dropouts (model.LM_DROPOUTS, ...)


@dataclass(frozen=True)
class Config:
    name: str
    emb: int
    hidden: int
    layers: int
    vocab: int
    softmax: str  # "full", "classic" (2000, 10000) or "geometric" (1000, 2000, 4000, ...)
    batch: int = 64
    bf16: bool = False  # bfloat16 autocast, as imdb.lm/classifier.precision: bf16

    def autocast(self):
        return autocast(CPU, self.bf16)

    @property
    def cutoffs(self) -> tuple[int, ...] | None:
        return {"full": None, "classic": CLASSIC_CUTOFFS,
                "geometric": geometric_cutoffs(self.vocab)}[self.softmax]

    def describe(self) -> str:
        return (f"{self.name:<3} emb {self.emb} hid {self.hidden} x{self.layers} "
                f"vocab {self.vocab / 1000:.0f}k {self.softmax:<9} bs {self.batch}"
                f"{' bf16' if self.bf16 else ''}")


CONFIGS = [
    Config("a", 200, 500, 3, LESSON_VOCAB, "full"),
    Config("b", 200, 500, 3, LESSON_VOCAB, "classic"),
    Config("b'", 200, 500, 3, LESSON_VOCAB, "geometric"),
    Config("c1", 200, 400, 3, 30_000, "geometric"),
    Config("c2", 200, 300, 3, 20_000, "geometric"),
    Config("c3", 200, 400, 2, 20_000, "geometric"),
    Config("c4", 200, 300, 2, 15_000, "geometric"),
    Config("c5", 200, 300, 2, 15_000, "geometric", batch=32),
    Config("b'", 200, 500, 3, LESSON_VOCAB, "geometric", bf16=True),
    Config("c3", 200, 400, 2, 20_000, "geometric", bf16=True),  # the CPU default's size
    Config("c3", 200, 400, 2, 20_000, "geometric", batch=128, bf16=True),  # ... and batch (params.yaml)
]
CLASSIFIER_CONFIGS = [c for c in CONFIGS if c.name in ("b'", "c2", "c3", "c4")]


def zipf_ids(rng: np.random.Generator, vocab: int, shape: tuple[int, ...]) -> torch.Tensor:
    p = 1.0 / np.arange(1, vocab + 1)
    ids = rng.choice(vocab, size=shape, p=p / p.sum())
    ids[ids == PAD_ID] = UNK_ID  # text never contains padding; the classifier would cut there
    return torch.from_numpy(ids)


def timed_steps(step, seconds: float, warmup: int = 2, min_steps: int = 3) -> float:
    """Seconds per call of `step`, after warm-up, over at least `seconds` of calls."""
    for _ in range(warmup):
        step()
    n, start = 0, time.perf_counter()
    while n < min_steps or time.perf_counter() - start < seconds:
        step()
        n += 1
    return (time.perf_counter() - start) / n


def encoder(config: Config, dropouts: dict[str, float]) -> AWDLSTMEncoder:
    scaled = {k: v * DROP_MULT for k, v in dropouts.items() if k != "output_p"}
    return AWDLSTMEncoder(config.vocab, config.emb, config.hidden, config.layers, **scaled)


def lm_tokens_per_s(config: Config, seconds: float, rng: np.random.Generator) -> float:
    lm = LanguageModel(encoder(config, LM_DROPOUTS), output_p=LM_DROPOUTS["output_p"] * DROP_MULT,
                       cutoffs=config.cutoffs).train()
    opt = adamw(lm.parameters(), lr=1e-3, betas=(0.7, 0.99), weight_decay=0.01)
    windows = zipf_ids(rng, config.vocab, (64, 2, config.batch, BPTT))
    calls = iter(range(10**9))

    def step():
        x, y = windows[next(calls) % len(windows)]
        with config.autocast():
            loss = lm.loss(lm(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(lm.parameters(), 0.3)
        opt.step()

    return config.batch * BPTT / timed_steps(step, seconds)


def classifier_tokens_per_s(config: Config, max_len: int, seconds: float,
                            rng: np.random.Generator) -> tuple[float, float]:
    """(training, prediction) tokens per second on batches of `max_len`-token reviews."""
    clf = SentimentClassifier(encoder(config, CLASSIFIER_DROPOUTS), bptt=BPTT, max_len=max_len,
                              head_ps=tuple(p * DROP_MULT for p in HEAD_DROPOUTS))
    opt = adamw(clf.parameters(), lr=1e-3, betas=(0.7, 0.99), weight_decay=0.01)
    batch = 32
    x = zipf_ids(rng, config.vocab, (batch, max_len))
    y = torch.from_numpy(rng.integers(0, 2, batch))

    def train_step():
        with config.autocast():
            loss = nn.functional.cross_entropy(clf(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def predict_step():
        with torch.no_grad(), config.autocast():
            clf(x)

    clf.train()
    train = batch * max_len / timed_steps(train_step, seconds)
    clf.eval()
    return train, batch * max_len / timed_steps(predict_step, seconds / 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=12.0, help="timed seconds per row")
    parser.add_argument("--max-len", type=int, default=400, help="classifier review length")
    args = parser.parse_args()
    keep_freed_memory()  # as every stage does (benchmarks/malloc_reuse.py: with and without)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{cpu_name()}; torch {torch.__version__}, {args.threads} threads, {os.cpu_count()} CPUs, "
          f"load average {load}; bptt {BPTT}")

    print(f"\nlanguage model (forward + backward + AdamW)\n{'config':<55} {'tokens/s':>9} "
          f"{'min/30M':>8} {'min/5M':>7}")
    for config in CONFIGS:
        rate = lm_tokens_per_s(config, args.seconds, rng)
        print(f"{config.describe():<55} {rate:>9,.0f} {30e6 / rate / 60:>8.0f} {5e6 / rate / 60:>7.1f}",
              flush=True)

    print(f"\nclassifier, batch 32 x {args.max_len} tokens\n{'config':<55} {'train tok/s':>11} "
          f"{'predict tok/s':>13}")
    for config in CLASSIFIER_CONFIGS:
        train, predict = classifier_tokens_per_s(config, args.max_len, args.seconds, rng)
        print(f"{config.describe():<55} {train:>11,.0f} {predict:>13,.0f}", flush=True)


if __name__ == "__main__":
    main()
