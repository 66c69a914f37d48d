"""Mini-batches for the language model (a token stream read in BPTT windows) and for the
classifier (whole reviews, grouped by length)."""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from embedlab.errors import EmbedlabError
from embedlab.imdb.vocab import PAD_ID

# AWD-LSTM's variable BPTT: a window is bptt long with this probability, else bptt / 2, then
# jittered by a normal of this standard deviation, and never shorter than the minimum.
_FULL_BPTT_P, _BPTT_STD, _MIN_BPTT = 0.95, 5.0, 5
# fastai's SortishSampler: sort by length within chunks of this many batches.
_SORTISH_CHUNK_BATCHES = 50


def _positive(**values: int | None) -> None:
    for name, value in values.items():
        if value is not None and value < 1:
            raise EmbedlabError(f"{name} must be at least 1, got {value}")


class LMBatches:
    """(x, y) windows over `batch_size` parallel streams of one token stream, y = x shifted by one.

    Stream j is `ids[j*L : (j+1)*L]` as input and `ids[j*L+1 : (j+1)*L+1]` as target, with
    L = (len(ids) - 1) // batch_size: every target is the true next token of the whole stream,
    and only the last (len(ids) - 1) % batch_size tokens are never read. Over one pass each
    input position of each stream appears in exactly one window.

    Window lengths: with `variable`, AWD-LSTM's draw (bptt, or bptt/2 one time in 20, plus
    normal noise of sd 5, at least 5), re-drawn each pass from a generator seeded once, so
    that window boundaries move from epoch to epoch. To give the one-cycle schedule an exact
    step count, every pass has the same number of windows (`len(self)`): the drawn lengths are
    scaled to cover the stream exactly, which changes each by a token or so. AWD-LSTM also
    scales the learning rate by length / bptt per window; the shared loop owns the schedule, so
    that is left out (the loss is a per-token mean either way). Without `variable`, windows are
    `bptt` long (the last one shorter) and the same every pass.

    The stream order is fixed; shuffle the reviews before concatenating them if wanted.
    """

    def __init__(self, ids: np.ndarray, batch_size: int, bptt: int, seed: int, variable: bool = True):
        _positive(batch_size=batch_size, bptt=bptt)
        ids = np.ascontiguousarray(ids)
        self.stream_len = (len(ids) - 1) // batch_size
        if self.stream_len < 1:
            raise EmbedlabError(
                f"{len(ids)} tokens cannot fill {batch_size} streams; need at least {batch_size + 1}"
            )
        n = batch_size * self.stream_len
        # Views, not copies: the stream can be 30M tokens; windows are converted one at a time.
        self.inputs = ids[:n].reshape(batch_size, self.stream_len)
        self.targets = ids[1 : n + 1].reshape(batch_size, self.stream_len)
        self.bptt, self.variable = bptt, variable
        self.rng = np.random.default_rng(seed)
        if variable:
            mean_len = _FULL_BPTT_P * bptt + (1 - _FULL_BPTT_P) * bptt / 2
            self.n_windows = min(self.stream_len, max(1, round(self.stream_len / mean_len)))
        else:
            self.n_windows = -(-self.stream_len // bptt)

    def __len__(self) -> int:
        return self.n_windows

    def window_lengths(self) -> np.ndarray:
        """The lengths of the next pass's windows (summing to the stream length)."""
        k, total = self.n_windows, self.stream_len
        if not self.variable:
            lengths = np.full(k, self.bptt, dtype=np.int64)
            lengths[-1] = total - self.bptt * (k - 1)
            return lengths
        base = np.where(self.rng.random(k) < _FULL_BPTT_P, self.bptt, self.bptt / 2)
        drawn = np.maximum(_MIN_BPTT, self.rng.normal(base, _BPTT_STD).astype(np.int64))
        # One token per window up front, the rest shared in proportion to the draws: every
        # window keeps at least one token and the lengths add up to the stream exactly.
        cuts = np.round(np.cumsum(drawn) * ((total - k) / drawn.sum())).astype(np.int64)
        return 1 + np.diff(cuts, prepend=0)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        lengths = self.window_lengths()
        ends = np.cumsum(lengths)
        for start, end in zip(ends - lengths, ends):
            yield (torch.from_numpy(self.inputs[:, start:end].astype(np.int64)),
                   torch.from_numpy(self.targets[:, start:end].astype(np.int64)))


class ClassifierBatches:
    """(x, y) batches of whole reviews: x is (batch, longest review in the batch), y the labels.

    Truncation: a review longer than `max_len` keeps its LAST `max_len` tokens. The end of a
    review is where the verdict usually is ("... 3/10, avoid"), and fastai's classifier
    likewise pools only over the last outputs of a long text (and Sun et al. 2019, fine-tuning
    BERT on IMDB, found tail-only truncation better than head-only). `max_len=None` keeps
    whole reviews (the model then reads them in chunks).

    Padding: with `pad_id` on the RIGHT. The LSTM reads left to right, so padding after the
    text cannot change any output at a real token: a review gets the same encoding whatever
    batch it lands in (fastai pads on the left, where the pads run through the LSTM first).
    The model finds each review's end from its trailing pads.

    Order: with `shuffle`, fastai's SortishSampler (random chunks of 50 batches sorted by
    length, the batch with the longest review first so memory problems show at once, the
    others shuffled) from a generator seeded once; without, longest first, fixed and given by
    `self.order`, so predictions can be matched back to reviews. Either way each review
    appears exactly once per pass, in batches of `batch_size` but for one smaller (or, when
    a single review would be left over, one larger) batch.
    """

    def __init__(self, ids: np.ndarray, offsets: np.ndarray, labels: np.ndarray, batch_size: int,
                 max_len: int | None, shuffle: bool, seed: int, pad_id: int = PAD_ID):
        _positive(batch_size=batch_size, max_len=max_len)
        labels = np.asarray(labels)
        if len(labels) != len(offsets) - 1:
            raise EmbedlabError(f"{len(labels)} labels for {len(offsets) - 1} reviews")
        if not len(labels):
            raise EmbedlabError("no reviews to batch")
        if labels.min() < 0:
            raise EmbedlabError("a label is negative: leave the unlabelled reviews out of the classifier")
        self.ids, self.ends = ids, np.asarray(offsets[1:])
        lengths = np.diff(offsets)
        self.lengths = lengths if max_len is None else np.minimum(lengths, max_len)
        self.labels = torch.as_tensor(labels, dtype=torch.long)
        self.batch_size, self.shuffle, self.pad_id = batch_size, shuffle, pad_id
        self.rng = np.random.default_rng(seed)
        self.order = None if shuffle else np.argsort(-self.lengths, kind="stable")
        # Where batches start (after the first). A lone last review joins the batch before it:
        # BatchNorm cannot normalise a training batch of one.
        self.cuts = np.arange(batch_size, len(labels), batch_size)
        if len(self.cuts) and len(labels) - self.cuts[-1] == 1:
            self.cuts = self.cuts[:-1]

    def __len__(self) -> int:
        return len(self.cuts) + 1

    def _sortish(self) -> list[np.ndarray]:
        chunk = self.batch_size * _SORTISH_CHUNK_BATCHES
        idx = self.rng.permutation(len(self.labels))
        idx = np.concatenate([c[np.argsort(-self.lengths[c], kind="stable")]
                              for c in np.split(idx, range(chunk, len(idx), chunk))])
        batches = np.split(idx, self.cuts)
        longest = int(np.argmax([self.lengths[b].max() for b in batches]))
        batches[0], batches[longest] = batches[longest], batches[0]
        return [batches[0], *(batches[i] for i in 1 + self.rng.permutation(len(batches) - 1))]

    def _collate(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        lengths = self.lengths[idx]
        x = np.full((len(idx), max(1, lengths.max())), self.pad_id, dtype=np.int64)
        for row, (end, n) in enumerate(zip(self.ends[idx], lengths)):
            x[row, :n] = self.ids[end - n : end]
        return torch.from_numpy(x), self.labels[idx]

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for idx in self._sortish() if self.shuffle else np.split(self.order, self.cuts):
            yield self._collate(idx)
