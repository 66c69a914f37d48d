import numpy as np
import pandas as pd
import pytest

from embedlab.errors import EmbedlabError
from embedlab.imdb.tokenize import BOS, PAD, SPECIAL_TOKENS, UNK
from embedlab.imdb.vocab import (
    BOS_ID,
    PAD_ID,
    UNK_ID,
    build_vocab,
    check_vocab_matches,
    numericalize,
)

TEXTS = pd.Series(
    ["xxbos the cat sat on the mat", "xxbos the dog sat xxmaj rex", "xxbos a cat"], dtype="str"
)


def test_specials_come_first_at_fixed_ids():
    vocab = build_vocab(TEXTS, max_size=100, min_freq=1)
    assert tuple(vocab[: len(SPECIAL_TOKENS)]) == SPECIAL_TOKENS
    assert (vocab[UNK_ID], vocab[PAD_ID], vocab[BOS_ID]) == (UNK, PAD, BOS)
    assert len(vocab) == len(set(vocab)), "a special token seen in the text is not repeated"


def test_words_by_frequency_then_alphabetically():
    vocab = build_vocab(TEXTS, max_size=100, min_freq=1)
    words = vocab[len(SPECIAL_TOKENS):]
    assert words == ["the", "cat", "sat", "a", "dog", "mat", "on", "rex"]


def test_ties_do_not_depend_on_text_order():
    forward = build_vocab(TEXTS, max_size=100, min_freq=1)
    assert build_vocab(TEXTS[::-1], max_size=100, min_freq=1) == forward


def test_min_freq_and_max_size():
    assert build_vocab(TEXTS, max_size=100, min_freq=2)[len(SPECIAL_TOKENS):] == ["the", "cat", "sat"]
    capped = build_vocab(TEXTS, max_size=len(SPECIAL_TOKENS) + 2, min_freq=1)
    assert capped[len(SPECIAL_TOKENS):] == ["the", "cat"]


def test_token_lists_and_joined_strings_agree():
    lists = [t.split(" ") for t in TEXTS]
    vocab = build_vocab(TEXTS, max_size=100, min_freq=1)
    assert build_vocab(lists, max_size=100, min_freq=1) == vocab
    for a, b in zip(numericalize(lists, vocab), numericalize(TEXTS, vocab)):
        np.testing.assert_array_equal(a, b)


def test_numericalize_round_trip():
    vocab = build_vocab(TEXTS, max_size=100, min_freq=1)
    ids, offsets = numericalize(TEXTS, vocab)
    assert ids.dtype == np.int32 and offsets.dtype == np.int64
    assert len(offsets) == len(TEXTS) + 1 and offsets[-1] == len(ids)
    back = [" ".join(vocab[i] for i in ids[a:b]) for a, b in zip(offsets, offsets[1:])]
    assert back == list(TEXTS)


def test_unknown_words_and_empty_texts():
    vocab = build_vocab(TEXTS, max_size=100, min_freq=2)
    ids, offsets = numericalize(pd.Series(["the zebra", "", "cat"], dtype="str"), vocab)
    assert ids.tolist() == [vocab.index("the"), UNK_ID, vocab.index("cat")]
    assert offsets.tolist() == [0, 2, 2, 3]


@pytest.mark.parametrize("kwargs", [{"max_size": 3, "min_freq": 1}, {"max_size": 100, "min_freq": 0}])
def test_bad_sizes_raise(kwargs):
    with pytest.raises(EmbedlabError):
        build_vocab(TEXTS, **kwargs)


def test_texts_must_be_tokens():
    with pytest.raises(EmbedlabError, match="token strings"):
        build_vocab([1, 2, 3], max_size=100, min_freq=1)


def test_check_vocab_matches():
    vocab = build_vocab(TEXTS, max_size=100, min_freq=1)
    check_vocab_matches(vocab, len(vocab))
    with pytest.raises(EmbedlabError, match=f"{len(vocab)} tokens but the model has 99"):
        check_vocab_matches(vocab, 99)
    with pytest.raises(EmbedlabError, match="special tokens"):
        check_vocab_matches(["the", *vocab[1:]], len(vocab))
    with pytest.raises(EmbedlabError, match="special tokens"):
        numericalize(TEXTS, ["the", "cat"])
