"""The vocabulary (a list of tokens, index = id) and token streams turned into compact id arrays.

Build it from the training text only: a word seen only in the test reviews must be unknown to
the model, as it would be for a review it has never seen.

Counting and numericalizing run in Arrow kernels (split on spaces, hash lookups), not in a
Python loop: about 2 s to split and 0.5 s to look up 30 million tokens.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from embedlab.errors import EmbedlabError
from embedlab.imdb.tokenize import BOS, PAD, SPECIAL_TOKENS, UNK

# Specials come first in a fixed order, so these ids hold for every vocabulary.
UNK_ID, PAD_ID, BOS_ID = (SPECIAL_TOKENS.index(t) for t in (UNK, PAD, BOS))

Texts = pd.Series | Sequence[str] | Sequence[Sequence[str]] | pa.Array | pa.ChunkedArray


def _token_lists(texts: Texts) -> pa.Array | pa.ChunkedArray:
    """One list of tokens per text, from space-joined strings (as `tokens_frame` stores them)
    or from lists of tokens."""
    arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(texts)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        # "" is a text with no tokens, not one empty token: a null splits into no list at all.
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
        return pc.split_pattern(arr, " ")
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        return arr
    raise EmbedlabError(
        f"expected space-joined token strings or lists of tokens, got Arrow type {arr.type}"
    )


def build_vocab(texts: Texts, max_size: int, min_freq: int) -> list[str]:
    """Special tokens, then the words seen at least `min_freq` times, most frequent first.

    `max_size` counts the special tokens too. Equal counts are ordered alphabetically, so the
    same text always gives the same vocabulary.
    """
    if max_size < len(SPECIAL_TOKENS):
        raise EmbedlabError(
            f"max_size {max_size} cannot hold the {len(SPECIAL_TOKENS)} special tokens"
        )
    if min_freq < 1:
        raise EmbedlabError(f"min_freq must be at least 1, got {min_freq}")
    counts = pc.value_counts(pc.list_flatten(_token_lists(texts)))
    words = pd.DataFrame(
        {"token": counts.field("values").to_pandas(), "count": counts.field("counts").to_numpy()}
    )
    words = words[(words["count"] >= min_freq) & ~words["token"].isin(SPECIAL_TOKENS)]
    words = words.sort_values(["count", "token"], ascending=[False, True], kind="stable")
    return [*SPECIAL_TOKENS, *words["token"].head(max_size - len(SPECIAL_TOKENS))]


def numericalize(texts: Texts, vocab: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, offsets): every text's token ids concatenated (int32), text i being
    `ids[offsets[i]:offsets[i + 1]]` (int64, len(texts) + 1 entries). Unknown words get UNK_ID."""
    # Only the specials are checked here: any other list would put UNK_ID on some real word.
    check_vocab_matches(vocab, len(vocab))
    lists = _token_lists(texts)
    found = pc.index_in(pc.list_flatten(lists), value_set=pa.array(list(vocab), pa.string()))
    ids = pc.fill_null(found, UNK_ID).to_numpy().astype(np.int32, copy=False)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy()
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return ids, offsets


def check_vocab_matches(vocab: Sequence[str], expected_size: int) -> None:
    """Refuse a vocabulary that cannot be the one a model (of `expected_size` ids) was built on."""
    if tuple(vocab[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
        raise EmbedlabError(
            f"vocabulary does not start with the special tokens {', '.join(SPECIAL_TOKENS)}; "
            "rebuild it with build_vocab"
        )
    if len(vocab) != expected_size:
        raise EmbedlabError(
            f"vocabulary has {len(vocab)} tokens but the model has {expected_size} ids; "
            "use the vocabulary the model was trained with"
        )
