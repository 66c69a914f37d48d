"""AWD-LSTM (Merity et al. 2017) as the 2017 lesson and ULMFiT use it: a language model, and a
sentiment classifier on the same encoder.

Every dropout is an argument; LM_DROPOUTS, CLASSIFIER_DROPOUTS and HEAD_DROPOUTS are the one table
of AWD-LSTM's values, which the builders (learner.py) scale by `dropout_scale` (fastai's drop_mult).
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from embedlab.errors import EmbedlabError
from embedlab.imdb.vocab import PAD_ID

# AWD-LSTM's dropouts as fastai sets them for a language model; the classifier's encoder and head
# take heavier ones (ULMFiT).
LM_DROPOUTS = {"input_p": 0.25, "hidden_p": 0.15, "weight_p": 0.2, "embed_p": 0.02, "output_p": 0.1}
CLASSIFIER_DROPOUTS = {"input_p": 0.4, "hidden_p": 0.3, "weight_p": 0.5, "embed_p": 0.05}
HEAD_DROPOUTS = (0.4, 0.1)
ROW_BUCKET = 64  # TiedAdaptiveSoftmax.loss's cluster rows, padded to a multiple of this


class EmbeddingDropout(nn.Embedding):
    """An embedding that, in training, drops whole words: a dropped word's vector is zero at
    every position of the batch, rather than random dimensions here and there."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int, p: float):
        super().__init__(num_embeddings, embedding_dim, padding_idx=padding_idx)
        self.p = p

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        vectors = super().forward(words)
        if not (self.training and self.p):
            return vectors
        keep = self.weight.new_empty(self.num_embeddings, 1).bernoulli_(1 - self.p) / (1 - self.p)
        # Scaling the looked-up rows, not the whole matrix: the same result, batch-sized work.
        return vectors * keep[words]


class LockedDropout(nn.Module):
    """Dropout with one mask per sequence, reused at every time step (variational dropout):
    a unit dropped for a sequence stays dropped along it, so the LSTM cannot route around it."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, time, features)
        if not (self.training and self.p):
            return x
        return x * x.new_empty(x.size(0), 1, x.size(2)).bernoulli_(1 - self.p) / (1 - self.p)


class WeightDropout(nn.Module):
    """DropConnect on an LSTM's hidden-to-hidden matrix, one mask per forward call.

    The weight stays an ordinary parameter of the wrapped nn.LSTM (the state dict is the
    LSTM's own); in training the call runs through `torch.func.functional_call` with a dropped
    copy in its place, which nn.LSTM picks up as changed flat weights. Eval runs the plain LSTM
    on the raw weight. Nothing is deleted or re-registered, so `.to()`, saving and loading
    behave as for any LSTM.
    """

    def __init__(self, lstm: nn.LSTM, p: float, names: Sequence[str] = ("weight_hh_l0",)):
        super().__init__()
        self.module, self.p, self.names = lstm, p, tuple(names)

    def forward(self, *args):
        if not (self.training and self.p):
            return self.module(*args)
        dropped = {n: F.dropout(getattr(self.module, n), self.p, training=True) for n in self.names}
        return torch.func.functional_call(self.module, dropped, args)


class AWDLSTMEncoder(nn.Module):
    """Embedding, then `layers` LSTMs (the last one back down to `emb_size`, so a decoder can
    share the embedding matrix), with AWD-LSTM's dropouts.

    Stateful: the hidden state of one call starts the next (BPTT windows of one stream),
    detached so gradients stop at the window boundary. `reset()` forgets it; a batch of another
    size also starts afresh.
    """

    def __init__(self, vocab_size: int, emb_size: int, hidden: int, layers: int, pad_id: int = PAD_ID,
                 *, input_p: float, hidden_p: float, weight_p: float, embed_p: float):
        super().__init__()
        if layers < 1:
            raise EmbedlabError(f"an encoder needs at least one LSTM layer, got {layers}")
        self.emb_size = emb_size
        self.embedding = EmbeddingDropout(vocab_size, emb_size, pad_id, embed_p)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)  # AWD-LSTM's init
        sizes = [emb_size] + [hidden] * (layers - 1) + [emb_size]
        self.rnns = nn.ModuleList(
            WeightDropout(nn.LSTM(sizes[i], sizes[i + 1], batch_first=True), weight_p)
            for i in range(layers)
        )
        self.input_dropout = LockedDropout(input_p)
        self.hidden_dropouts = nn.ModuleList(LockedDropout(hidden_p) for _ in range(layers - 1))
        self.hidden: list[tuple[torch.Tensor, torch.Tensor]] | None = None

    def reset(self) -> None:
        self.hidden = None

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        """(batch, time) ids -> (batch, time, emb_size) outputs of the last layer."""
        if self.hidden is not None and self.hidden[0][0].size(1) != words.size(0):
            self.hidden = None
        out = self.input_dropout(self.embedding(words))
        new_hidden = []
        for i, rnn in enumerate(self.rnns):
            out, (h, c) = rnn(out, None if self.hidden is None else self.hidden[i])
            new_hidden.append((h.detach(), c.detach()))
            if i < len(self.hidden_dropouts):
                out = self.hidden_dropouts[i](out)
        self.hidden = new_hidden
        return out


class TiedAdaptiveSoftmax(nn.Module):
    """Adaptive softmax (Grave et al. 2017) scoring words with the embedding's own vectors.

    The head is a softmax over the `cutoffs[0]` most frequent ids plus one entry per tail
    cluster; a word of cluster i gets P(cluster i) * P(word | cluster i), and the cluster's
    softmax is only computed for the positions whose target is in it. Every word is scored by
    its embedding row (so the tying is complete, rare words included): head words directly, a
    cluster's words after a per-cluster `emb x emb` projection that starts as the identity.
    This needs ids ordered by frequency, as `build_vocab` makes them.
    """

    def __init__(self, emb_size: int, vocab_size: int, cutoffs: Sequence[int]):
        super().__init__()
        bounds = (0, *cutoffs, vocab_size)
        if not cutoffs or any(lo >= hi for lo, hi in zip(bounds, bounds[1:])):
            raise EmbedlabError(
                f"adaptive softmax cutoffs must increase strictly between 0 and the vocabulary "
                f"size {vocab_size}, got {list(cutoffs)}"
            )
        self.bounds = bounds
        n_clusters = len(cutoffs)
        self.cluster_weight = nn.Parameter(torch.zeros(n_clusters, emb_size))
        self.cluster_bias = nn.Parameter(torch.zeros(n_clusters))
        self.projections = nn.ModuleList(nn.Linear(emb_size, emb_size, bias=False) for _ in cutoffs)
        for projection in self.projections:
            nn.init.eye_(projection.weight)

    def _split(self, weight, bias):
        """The (weight, bias) rows of the head's words and of each cluster's. One split, not a
        slice per use: autograd then builds the tied matrix's gradient in one piece instead of
        a zero-filled full-size copy per slice (for 20k x 200 words, most of a CPU step's overhead)."""
        sizes = [hi - lo for lo, hi in zip(self.bounds, self.bounds[1:])]
        return list(zip(weight.split(sizes), bias.split(sizes)))

    def _head(self, features, head_weight, head_bias):
        return F.linear(features, torch.cat([head_weight, self.cluster_weight]),
                        torch.cat([head_bias, self.cluster_bias]))

    def _cluster(self, i, features, cluster_weight, cluster_bias):
        return F.linear(self.projections[i](features), cluster_weight, cluster_bias)

    def loss(self, features, target, weight, bias) -> torch.Tensor:
        """Mean negative log-likelihood of `target` (N,) given `features` (N, emb)."""
        shortlist = self.bounds[1]
        head_part, *cluster_parts = self._split(weight, bias)
        head = F.log_softmax(self._head(features, *head_part), dim=-1)
        # 0 for a head word, i + 1 for a word of tail cluster i
        cluster = torch.bucketize(target, torch.tensor(self.bounds[1:-1], device=target.device),
                                  right=True)
        head_target = torch.where(cluster == 0, target, shortlist + cluster - 1)
        log_p = head.gather(1, head_target[:, None]).squeeze(1)
        for i, part in enumerate(cluster_parts):
            rows = (cluster == i + 1).nonzero().squeeze(1)
            if n := rows.numel():
                # Each new row count is a new matrix shape, which oneDNN (bf16 on CPU) compiles a
                # kernel for in milliseconds; the counts vary every step and overflow its cache.
                # Rounded up to a multiple of ROW_BUCKET (repeats of a row, sliced off after),
                # a few shapes serve a whole pass.
                padded = torch.cat([rows, rows[:1].expand(-n % ROW_BUCKET)])
                within = F.log_softmax(self._cluster(i, features[padded], *part), dim=-1)[:n]
                word = (target[rows] - self.bounds[i + 1])[:, None]
                log_p = log_p.index_add(0, rows, within.gather(1, word).squeeze(1))
        return -log_p.mean()

    def log_prob(self, features, weight, bias) -> torch.Tensor:
        """(N, vocab) log-probabilities of every word."""
        shortlist = self.bounds[1]
        head_part, *cluster_parts = self._split(weight, bias)
        head = F.log_softmax(self._head(features, *head_part), dim=-1)
        parts = [head[:, :shortlist]]
        for i, part in enumerate(cluster_parts):
            within = F.log_softmax(self._cluster(i, features, *part), dim=-1)
            parts.append(within + head[:, shortlist + i, None])
        return torch.cat(parts, dim=1)


def geometric_cutoffs(vocab_size: int, first: int = 1000) -> tuple[int, ...]:
    """Adaptive softmax cutoffs `first`, 2 * `first`, 4 * `first`, ... below `vocab_size`.

    The head is what every position pays for, so it stays small; a tail cluster is only paid
    for by the positions whose target falls in it, and those get fewer as words get rarer, so
    clusters can double in size. On 2 CPU threads (emb 200, 2 x 300 LSTM) this trains 1.2-1.4x
    faster than the classic (2000, 10000); see benchmarks/imdb_lm_speed.py.
    """
    if first < 1:
        raise EmbedlabError(f"the first cutoff must be at least 1, got {first}")
    cutoffs = []
    while first < vocab_size:
        cutoffs.append(first)
        first *= 2
    return tuple(cutoffs)


class LanguageModel(nn.Module):
    """The encoder plus a decoder whose word vectors are the embedding matrix itself.

    `forward` returns the last layer's outputs (batch, time, emb) after output dropout, and
    `loss(out, y)` scores them against the next words, so train with
    `fit(lm, ..., loss_fn=lm.loss)`. The decoder lives in the loss because the adaptive
    softmax needs the targets to skip work; `log_probs` gives the full distribution.
    `cutoffs=None` (or empty) is the plain full softmax; `geometric_cutoffs(vocab_size)` an
    adaptive one: at the lesson's size (35k words) a training step on 2 CPU threads is 3.5x
    faster with it (2.9x with the classic (2000, 10000)), the softmax no longer dominating.
    """

    def __init__(self, encoder: AWDLSTMEncoder, *, output_p: float, cutoffs: Sequence[int] | None = None):
        super().__init__()
        self.encoder = encoder
        self.output_dropout = LockedDropout(output_p)
        self.vocab_size = encoder.embedding.num_embeddings
        self.bias = nn.Parameter(torch.zeros(self.vocab_size))
        self.adaptive = (TiedAdaptiveSoftmax(encoder.emb_size, self.vocab_size, cutoffs)
                         if cutoffs else None)

    @property
    def decoder_weight(self) -> torch.Tensor:
        return self.encoder.embedding.weight

    def reset(self) -> None:
        self.encoder.reset()

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        return self.output_dropout(self.encoder(words))

    def loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy per token (nats) of the next words `target` (batch, time)."""
        features, target = out.reshape(-1, out.size(-1)), target.reshape(-1)
        if self.adaptive is None:
            return F.cross_entropy(F.linear(features, self.decoder_weight, self.bias), target)
        return self.adaptive.loss(features, target, self.decoder_weight, self.bias)

    def log_probs(self, out: torch.Tensor) -> torch.Tensor:
        """(..., vocab) log-probabilities of the next word after each position of `out`."""
        features = out.reshape(-1, out.size(-1))
        if self.adaptive is None:
            log_p = F.log_softmax(F.linear(features, self.decoder_weight, self.bias), dim=-1)
        else:
            log_p = self.adaptive.log_prob(features, self.decoder_weight, self.bias)
        return log_p.reshape(*out.shape[:-1], self.vocab_size)


class SentimentClassifier(nn.Module):
    """ULMFiT's classifier: the encoder read over the whole review, then [last output, max
    pool, mean pool] of the last layer over the review's last `max_len` tokens, then
    BatchNorm / Dropout / Linear blocks.

    Long reviews are read `bptt` tokens at a time with the hidden state carried over, like
    fastai's MultiBatchEncoder: chunks before the pooling window only pass their state on (run
    without autograd, as their gradient would stop at the detached state anyway), and pooling
    is accumulated chunk by chunk, so memory is bounded by `max_len` whatever the length.
    Batches are padded on the right with `pad_id` (see ClassifierBatches); a review ends
    at its last non-pad token.
    """

    def __init__(self, encoder: AWDLSTMEncoder, *, head_ps: tuple[float, float], n_classes: int = 2,
                 head_hidden: int = 50, bptt: int = 70, max_len: int = 1400, pad_id: int = PAD_ID):
        super().__init__()
        if bptt < 1 or max_len < 1:
            raise EmbedlabError(f"bptt and max_len must be at least 1, got {bptt} and {max_len}")
        self.encoder, self.bptt, self.max_len, self.pad_id = encoder, bptt, max_len, pad_id
        pooled = 3 * encoder.emb_size
        self.head = nn.Sequential(
            nn.BatchNorm1d(pooled), nn.Dropout(head_ps[0]), nn.Linear(pooled, head_hidden), nn.ReLU(),
            nn.BatchNorm1d(head_hidden), nn.Dropout(head_ps[1]), nn.Linear(head_hidden, n_classes),
        )

    def _lengths(self, words: torch.Tensor) -> torch.Tensor:
        real = words != self.pad_id
        # Position after the last real token; a review of pads only counts as one token.
        after_last = words.size(1) - real.flip(1).int().argmax(1)
        return torch.where(real.any(1), after_last, torch.ones_like(after_last))

    def pool(self, words: torch.Tensor) -> torch.Tensor:
        """(batch, time) ids -> (batch, 3 * emb) pooled encoding."""
        batch, total = words.shape
        lengths = self._lengths(words)
        starts = (lengths - self.max_len).clamp(min=0)
        rows = torch.arange(batch, device=words.device)
        last = torch.zeros(batch, self.encoder.emb_size, device=words.device)
        max_pool = torch.full_like(last, float("-inf"))
        sum_pool = torch.zeros_like(last)
        first_kept = int(starts.min())
        self.encoder.reset()
        for s in range(0, total, self.bptt):
            e = min(s + self.bptt, total)
            if e <= first_kept:
                with torch.no_grad():
                    self.encoder(words[:, s:e])
                continue
            out = self.encoder(words[:, s:e])
            pos = torch.arange(s, e, device=words.device)
            keep = ((pos >= starts[:, None]) & (pos < lengths[:, None]))[..., None]
            max_pool = torch.maximum(max_pool, out.masked_fill(~keep, float("-inf")).amax(1))
            sum_pool = sum_pool + (out * keep).sum(1)
            ends_here = ((lengths > s) & (lengths <= e))[:, None]
            last = torch.where(ends_here, out[rows, (lengths - 1 - s).clamp(0, e - s - 1)], last)
        mean_pool = sum_pool / (lengths - starts)[:, None]
        return torch.cat([last, max_pool, mean_pool], dim=1)

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        """(batch, time) ids -> (batch, n_classes) logits."""
        return self.head(self.pool(words))


def load_encoder(classifier: SentimentClassifier, lm_state_dict: dict[str, torch.Tensor]) -> None:
    """Copy a LanguageModel's encoder weights (from its state dict) into the classifier."""
    prefix = "encoder."
    state = {k[len(prefix):]: v for k, v in lm_state_dict.items() if k.startswith(prefix)}
    own = classifier.encoder.state_dict()
    if state.keys() != own.keys():
        raise EmbedlabError(
            "the language model's encoder has other layers than the classifier's; build both "
            "with the same number of layers (and pass a LanguageModel's state dict)"
        )
    for key, value in state.items():
        if value.shape != own[key].shape:
            raise EmbedlabError(
                f"{key} is {tuple(value.shape)} in the language model but {tuple(own[key].shape)} "
                "in the classifier; build both with the same vocabulary and sizes"
            )
    classifier.encoder.load_state_dict(state)


def layer_groups(classifier: SentimentClassifier) -> list[list[nn.Parameter]]:
    """Parameters from input to output: embedding, each LSTM layer, then the head."""
    encoder = classifier.encoder
    return [list(encoder.embedding.parameters()),
            *(list(rnn.parameters()) for rnn in encoder.rnns),
            list(classifier.head.parameters())]


def freeze_to(classifier: SentimentClassifier, n: int) -> None:
    """Train only layer groups `n` onwards (fastai's freeze_to: -1 is the head alone, 0 all)."""
    groups = layer_groups(classifier)
    if not -len(groups) <= n < len(groups):
        raise EmbedlabError(
            f"freeze_to({n}) must leave one of the {len(groups)} layer groups trainable; "
            f"use -{len(groups)}..{len(groups) - 1}"
        )
    trainable = set(range(len(groups))[n:])
    for i, group in enumerate(groups):
        for param in group:
            param.requires_grad_(i in trainable)


def discriminative_lrs(max_lr: float, n_groups: int, decay: float) -> list[float]:
    """One learning rate per layer group, `max_lr` for the head, divided by `decay` per group
    towards the input (ULMFiT's lr / 2.6^k)."""
    return [max_lr / decay ** (n_groups - 1 - i) for i in range(n_groups)]
