"""fastai-style tokenization of IMDB reviews, without spaCy.

The rules follow fastai v2 (`fastai.text.core`): HTML is cleaned first, repeats are replaced by
markers, capitals become markers before a lower-cased token, and every text starts with `xxbos`.
Word splitting imitates spaCy's English rules closely enough for a vocabulary: words,
punctuation and symbols are separate tokens, and contractions split as spaCy splits them
("don't" -> do n't, "can't" -> ca n't, "it's" -> it 's).

Conventions, and where they differ from fastai:
- A character repeated 3 or more times becomes `xxrep <n> <c>` and a word repeated 3 or more
  times (separated by whitespace only, same case) becomes `xxwrep <n> <w>`: fastai v2's
  thresholds (fastai v1 and the 2017 course used 4). Unlike fastai, digits are never
  collapsed, so numbers such as 2000 or 1999 stay whole.
- Exactly three dots become the single token "…", as fastai does; fastai cuts longer runs of
  dots into "…" and leftovers, we count them like any repeat ("...." -> xxrep 4 .).
- `xxup` precedes a token of 2+ characters whose first character is an upper-case letter and
  whose cased characters are all upper case (USA, B52); `xxmaj` precedes a token of 2+
  characters that starts upper case and has no other upper-case character (Hello, Émile).
  fastai decides on whitespace-separated chunks; we decide per token, so "(HELLO)" is marked
  and "DON'T" gives `xxup do n't` (contraction suffixes never carry a marker).
- A run of line breaks (one `<br />` or several) becomes one `xxnl` token. spaCy, and so
  fastai, emit raw whitespace tokens ("\\n", "\\n\\n") instead; a marker keeps every token free
  of whitespace, which the space-joined storage of `tokens_frame` relies on.
- Text is NFC-normalised so that an accented letter is one `\\w` character however it was typed.
- Only real HTML elements are removed (<i>, </p>, <a href=...>); reviewers' own pseudo-tags
  such as <grin> or <SPOILER> are words, and stay as "<", "grin", ">".
"""
from __future__ import annotations

import html
import multiprocessing
import os
import re
import signal
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from typing import Sequence

import numpy as np
import pandas as pd

from embedlab.errors import EmbedlabError

UNK, PAD, BOS = "xxunk", "xxpad", "xxbos"
TK_REP, TK_WREP, TK_UP, TK_MAJ, TK_NL = "xxrep", "xxwrep", "xxup", "xxmaj", "xxnl"
# The vocabulary stage puts these first, so their ids never depend on the corpus.
SPECIAL_TOKENS = (UNK, PAD, BOS, TK_REP, TK_WREP, TK_UP, TK_MAJ, TK_NL)

# Possessive quantifiers (`*+`) throughout: a review can be a million characters, and a pattern
# that may backtrack over a long run of spaces or letters would take quadratic time there.
_BR = re.compile(r"<\s*+/?\s*+br\s*+/?\s*+>", re.IGNORECASE)
_HTML_ELEMENTS = (
    "a|abbr|b|big|blockquote|center|cite|code|del|div|em|font|h[1-6]|hr|i|img|ins|li|ol|p|pre"
    "|q|s|small|span|strike|strong|sub|sup|table|td|th|tr|tt|u|ul"
)
# Attributes must contain "=", so "<i think so>" written by a reviewer is not taken for <i>.
_HTML_TAG = re.compile(
    rf"</?(?:{_HTML_ELEMENTS})(?:\s[^<>=]*+=[^<>]*+)?/?>", re.IGNORECASE
)
# The lookbehind follows the literal dots, so the engine can still skip ahead to a dot.
_ELLIPSIS = re.compile(r"\.\.\.(?<!\.\.\.\.)(?!\.)")
_CHAR_REP = re.compile(r"([^\s\d])\1{2,}+")
_WORD_REP = re.compile(r"(?<!\S)(\w++)(?:\s++\1){2,}(?!\w)")
_NEWLINES = re.compile(r"[\r\n]\s*+")
# Starts with the literal "n" so the engine can skip ahead; the lookbehind then asks for a word.
_NT = re.compile(r"n(?<=\wn)['’]t\b", re.IGNORECASE)
_CLITIC_END = r"(?:s|m|d|ll|ve|re)\b"
_CLITIC = rf"['’]{_CLITIC_END}"
_TOKEN = re.compile(
    rf"""
      (?<=\w){_CLITIC}                        # it 's, I 'm, we 'll
    | \d++(?:[.,]\d++)++                      # 3.5, 1,000
    | \w++(?:['’](?!{_CLITIC_END})\w++)*+   # words, with inner apostrophes: o'brien, n't
    | \S                                      # any other character is a token on its own
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SUFFIXES = frozenset({"n't", "n’t"})
_NL_SPACED = f" {TK_NL} "


def clean_html(text: str) -> str:
    """Line breaks to newlines, other HTML elements removed, then entities unescaped."""
    text = _BR.sub("\n", text)
    text = _HTML_TAG.sub(" ", text)
    # Unescaping last keeps an escaped "&lt;b&gt;" as the literal text the reviewer typed.
    return html.unescape(text)


def _char_rep(m: re.Match) -> str:
    return f" {TK_REP} {len(m.group())} {m.group(1)} "


def _word_rep(m: re.Match) -> str:
    return f" {TK_WREP} {len(m.group().split())} {m.group(1)} "


def _mark_case(tokens: list[str]) -> list[str]:
    out = [BOS]
    append = out.append
    for tok in tokens:
        # Most tokens start lower case or with punctuation: one cheap test, then append.
        if not tok[0].isupper() or len(tok) == 1:
            append(tok.lower())
            continue
        low = tok.lower()
        if low in _SUFFIXES:
            append(low)
        elif tok.isupper():
            append(TK_UP)
            append(low)
        else:
            rest = tok[1:]
            if rest == rest.lower():
                append(TK_MAJ)
            append(low)
    return out


def tokenize(text: str) -> list[str]:
    """Tokens of one review: `xxbos` first, then lower-cased words, punctuation and markers."""
    text = unicodedata.normalize("NFC", clean_html(text)).strip()
    text = _ELLIPSIS.sub(" … ", text)
    text = _CHAR_REP.sub(_char_rep, text)
    text = _WORD_REP.sub(_word_rep, text)
    text = _NEWLINES.sub(_NL_SPACED, text)
    text = _NT.sub(r" \g<0>", text)
    return _mark_case(_TOKEN.findall(text))


# In a worker: the flag the parent raises when it is interrupted (see tokenize_many).
_stop = None


def _tokenize_chunk(texts: Sequence[str]) -> list[list[str]]:
    # One object per distinct token: pickle then sends each distinct string once per chunk and
    # refers back to it after, so the lists cross processes cheaply and the parent holds a few
    # hundred thousand strings instead of tens of millions.
    seen: dict[str, str] = {}
    out = []
    for text in texts:
        if _stop is not None and _stop.value:
            break  # the parent was interrupted and will not read this
        out.append([seen.setdefault(tok, tok) for tok in tokenize(text)])
    return out


def _init_worker(stop) -> None:
    global _stop
    _stop = stop
    # A stage's SIGTERM handler (cli.run_stage) must never run in a worker: SIGTERM ends it, and
    # Ctrl-C, which the terminal sends to every process of the group, is left to the parent.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _mp_context() -> multiprocessing.context.BaseContext:
    # Never "fork", whatever the platform's default (Python 3.14 moves Linux to forkserver): a
    # forked worker inherits the stage's signal handlers and the locks of the parent's threads.
    # The forkserver starts once per process and imports this module once; each worker is then
    # forked from it, as cheap as a fork of the stage.
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__])  # "__main__": the default
    return context


def _chunks(texts: Sequence[str], n_chunks: int) -> list[Sequence[str]]:
    size = -(-len(texts) // n_chunks)
    return [texts[i : i + size] for i in range(0, len(texts), size)]


def tokenize_many(texts: Sequence[str], n_jobs: int | None = None) -> list[list[str]]:
    """`tokenize` on every text, in order, on `n_jobs` processes (default: all CPUs)."""
    n_jobs = (os.cpu_count() or 1) if n_jobs is None else n_jobs
    if n_jobs < 1:
        raise EmbedlabError(f"n_jobs must be at least 1, got {n_jobs}; pass None to use all CPUs")
    texts = list(texts)
    if n_jobs == 1 or len(texts) < 2:
        return [tokenize(t) for t in texts]
    # Several chunks per process even out long and short reviews; few enough that the
    # per-chunk overhead stays negligible.
    context = _mp_context()
    stop = context.RawValue("b", 0)
    pool = ProcessPoolExecutor(n_jobs, mp_context=context, initializer=_init_worker, initargs=(stop,))
    try:
        parts = list(pool.map(_tokenize_chunk, _chunks(texts, n_jobs * 8)))
    except BaseException:  # KeyboardInterrupt, SIGTERM in a stage (cli.run_stage), ...
        stop.value = 1  # the chunks already handed to the workers end at their next text
        raise
    finally:
        # The workers exit once their chunk is done; chunks not yet handed out are dropped. A
        # worker is never terminated: one killed while it holds a queue's lock blocks the others.
        pool.shutdown(wait=True, cancel_futures=True)
    return [tokens for part in parts for tokens in part]


def tokens_frame(reviews: pd.DataFrame, tokens: Sequence[list[str]]) -> pd.DataFrame:
    """The reviews table with `text` replaced by `tokens` (one space-joined string per review).

    One string per review, not a list<string> column: measured on 10,000 reviews, it writes to
    parquet and reads back into pandas about twice as fast, for a file about 1.25x larger with
    zstd (a list column dictionary-encodes its tokens). Tokens never
    contain whitespace, so `frame["tokens"].str.split(" ")`, or `pyarrow.compute.split_pattern`
    for a vectorised numericalize, restores the token lists exactly.
    """
    if len(tokens) != len(reviews):
        raise EmbedlabError(
            f"{len(tokens)} token lists for {len(reviews)} reviews; tokenize the same table"
        )
    frame = reviews.drop(columns="text").reset_index(drop=True)
    frame["tokens"] = pd.array([" ".join(t) for t in tokens], dtype="str")
    frame["n_tokens"] = np.array([len(t) for t in tokens], dtype=np.int32)
    return frame
