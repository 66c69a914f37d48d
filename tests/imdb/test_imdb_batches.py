import numpy as np
import pytest
import torch

from embedlab.errors import EmbedlabError
from embedlab.imdb.batches import ClassifierBatches, LMBatches
from embedlab.imdb.vocab import PAD_ID

STREAM = np.arange(10_007, dtype=np.int32)


def _pass(batches):
    xs, ys = zip(*batches)
    return xs, ys


@pytest.mark.parametrize("variable", [True, False])
def test_lm_pass_reads_every_token_once_per_stream(variable):
    batches = LMBatches(STREAM, batch_size=8, bptt=30, seed=0, variable=variable)
    length = (len(STREAM) - 1) // 8
    for _ in range(3):  # a fresh draw each pass, same guarantees
        xs, ys = _pass(batches)
        assert len(xs) == len(batches)
        x, y = torch.cat(xs, dim=1), torch.cat(ys, dim=1)
        for j in range(8):
            np.testing.assert_array_equal(x[j].numpy(), STREAM[j * length:(j + 1) * length])
        np.testing.assert_array_equal(y.numpy(), x.numpy() + 1)  # the next token of the stream


def test_lm_windows_shapes_and_shift():
    for x, y in LMBatches(STREAM, batch_size=8, bptt=30, seed=0):
        assert x.dtype == y.dtype == torch.int64
        assert x.shape == y.shape and x.shape[0] == 8 and x.shape[1] >= 1
        assert torch.equal(x[:, 1:], y[:, :-1])


def test_lm_variable_lengths_move_between_passes_but_not_between_runs():
    a = LMBatches(STREAM, batch_size=4, bptt=30, seed=1)
    b = LMBatches(STREAM, batch_size=4, bptt=30, seed=1)
    first, second = a.window_lengths(), a.window_lengths()
    assert len(first) == len(second) == len(a)
    assert first.sum() == second.sum() == a.stream_len
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(b.window_lengths(), first)
    assert not np.array_equal(LMBatches(STREAM, 4, 30, seed=2).window_lengths(), first)
    assert 25 < first.mean() < 32 and first.min() >= 1


def test_lm_fixed_lengths():
    lengths = LMBatches(STREAM, batch_size=4, bptt=30, seed=0, variable=False).window_lengths()
    assert (lengths[:-1] == 30).all() and 1 <= lengths[-1] <= 30


def test_lm_too_short_stream_raises():
    with pytest.raises(EmbedlabError, match="cannot fill 8 streams"):
        LMBatches(np.arange(8), batch_size=8, bptt=30, seed=0)


# Token k of review i is (100 + i) * 1000 + k, so every row can be traced to its review.
LENGTHS = [5, 1, 12, 7, 3, 9, 2, 30, 4, 6, 8]


def _reviews():
    ids = np.concatenate([(100 + i) * 1000 + np.arange(n) for i, n in enumerate(LENGTHS)]).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(LENGTHS)]).astype(np.int64)
    return ids, offsets, np.arange(len(LENGTHS)) % 2


def _review_of(row: torch.Tensor) -> int:
    return int(row[0]) // 1000 - 100


@pytest.mark.parametrize("shuffle", [True, False])
def test_classifier_batches_cover_each_review_once(shuffle):
    ids, offsets, labels = _reviews()
    batches = ClassifierBatches(ids, offsets, labels, batch_size=3, max_len=None, shuffle=shuffle, seed=0)
    for _ in range(2):
        seen = []
        for x, y in batches:
            for row, label in zip(x, y):
                seen.append(_review_of(row))
                assert label == labels[seen[-1]]
        assert sorted(seen) == list(range(len(LENGTHS)))
        assert len(list(batches)) == len(batches)


def test_classifier_truncates_to_last_tokens_and_pads_right():
    ids, offsets, labels = _reviews()
    batches = ClassifierBatches(ids, offsets, labels, batch_size=4, max_len=6, shuffle=False, seed=0)
    for x, _ in batches:
        for row in x:
            review = _review_of(row)
            n = min(LENGTHS[review], 6)
            start, end = offsets[review + 1] - n, offsets[review + 1]
            np.testing.assert_array_equal(row[:n].numpy(), ids[start:end])
            assert (row[n:] == PAD_ID).all()
        assert x.shape[1] == max(min(LENGTHS[_review_of(r)], 6) for r in x)


def test_classifier_order_is_longest_first_and_exposed():
    ids, offsets, labels = _reviews()
    batches = ClassifierBatches(ids, offsets, labels, batch_size=4, max_len=None, shuffle=False, seed=0)
    assert [LENGTHS[i] for i in batches.order] == sorted(LENGTHS, reverse=True)
    seen = [_review_of(row) for x, _ in batches for row in x]
    assert seen == batches.order.tolist()


def test_sortish_is_seeded_and_puts_the_longest_first():
    ids, offsets, labels = _reviews()

    def orders(seed):
        batches = ClassifierBatches(ids, offsets, labels, batch_size=2, max_len=None, shuffle=True, seed=seed)
        return [[_review_of(r) for x, _ in batches for r in x] for _ in range(3)]

    runs = orders(0)
    assert runs == orders(0)
    assert runs[0] != runs[1] or runs[1] != runs[2]
    assert all(run[0] == int(np.argmax(LENGTHS)) for run in runs)


def test_a_lone_last_review_joins_the_previous_batch():
    ids, offsets, labels = _reviews()  # 11 reviews
    batches = ClassifierBatches(ids, offsets, labels, batch_size=5, max_len=None, shuffle=True, seed=0)
    assert len(batches) == 2
    assert sorted(len(y) for _, y in batches) == [5, 6]


@pytest.mark.parametrize("labels", [np.zeros(3), -np.ones(11)])
def test_classifier_bad_labels_raise(labels):
    ids, offsets, _ = _reviews()
    with pytest.raises(EmbedlabError):
        ClassifierBatches(ids, offsets, labels, batch_size=4, max_len=None, shuffle=False, seed=0)
