import time

import pandas as pd
import pytest

from embedlab.errors import EmbedlabError
from embedlab.imdb.tokenize import (
    BOS,
    SPECIAL_TOKENS,
    TK_MAJ,
    TK_NL,
    TK_REP,
    TK_UP,
    TK_WREP,
    clean_html,
    tokenize,
    tokenize_many,
    tokens_frame,
)


def toks(text):
    """Tokens without the leading xxbos, which every test would otherwise repeat."""
    out = tokenize(text)
    assert out[0] == BOS
    return out[1:]


def test_special_tokens_are_distinct_and_fastai_named():
    assert len(set(SPECIAL_TOKENS)) == len(SPECIAL_TOKENS)
    assert {"xxunk", "xxpad", "xxbos", "xxmaj", "xxup", "xxrep", "xxwrep"} <= set(SPECIAL_TOKENS)


@pytest.mark.parametrize("text", ["", "   ", " \t\n \r\n ", "<br /><br />"])
def test_empty_or_blank_review_is_only_bos(text):
    assert tokenize(text) == [BOS]


def test_capitalised_word_gets_xxmaj():
    assert toks("Hello world") == [TK_MAJ, "hello", "world"]


def test_all_caps_word_gets_xxup():
    assert toks("it was GREAT") == ["it", "was", TK_UP, "great"]


def test_single_capital_letter_gets_no_marker():
    assert toks("I saw A movie") == ["i", "saw", "a", "movie"]


def test_mixed_case_word_is_only_lowercased():
    assert toks("McDonald iPhone") == ["mcdonald", "iphone"]


def test_all_caps_with_digits_and_inside_brackets():
    assert toks("(B52)") == ["(", TK_UP, "b52", ")"]


def test_words_and_punctuation_are_split():
    assert toks("Well, it's over!") == [TK_MAJ, "well", ",", "it", "'s", "over", "!"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("don't", ["do", "n't"]),
        ("can't", ["ca", "n't"]),
        ("won't", ["wo", "n't"]),
        ("isn't", ["is", "n't"]),
        ("it's", ["it", "'s"]),
        ("I'm", ["i", "'m"]),
        ("we'll", ["we", "'ll"]),
        ("they've", ["they", "'ve"]),
        ("you're", ["you", "'re"]),
        ("he'd", ["he", "'d"]),
        ("don’t", ["do", "n’t"]),
        ("DON'T", [TK_UP, "do", "n't"]),
        ("Don't", [TK_MAJ, "do", "n't"]),
        ("O'Brien's", ["o'brien", "'s"]),
        ("rock'n'roll", ["rock'n'roll"]),
        ("the students' film", ["the", "students", "'", "film"]),
    ],
)
def test_contractions(text, expected):
    assert toks(text) == expected


def test_numbers_are_kept_whole():
    assert toks("3.5/10, 1,000 fans in 2000 and 1999, the 1980s") == [
        "3.5", "/", "10", ",", "1,000", "fans", "in", "2000", "and", "1999", ",", "the", "1980s",
    ]


def test_repeated_characters():
    assert toks("sooo good!!!!") == ["s", TK_REP, "3", "o", "good", TK_REP, "4", "!"]


def test_two_repeated_characters_stay():
    assert toks("good!!") == ["good", "!", "!"]


def test_ellipsis_and_longer_runs_of_dots():
    assert toks("so... bad.... end") == ["so", "…", "bad", TK_REP, "4", ".", "end"]


def test_repeated_words():
    assert toks("ha ha ha ha, fine") == [TK_WREP, "4", "ha", ",", "fine"]


def test_two_repeated_words_stay():
    assert toks("ha ha") == ["ha", "ha"]


def test_word_repeat_stops_at_a_longer_word():
    assert toks("ha ha ha hah") == [TK_WREP, "3", "ha", "hah"]


def test_repeated_capitalised_word_keeps_its_marker():
    assert toks("NO NO NO") == [TK_WREP, "3", TK_UP, "no"]


def test_word_repeat_is_case_sensitive_like_fastai():
    assert toks("Ha ha ha") == [TK_MAJ, "ha", "ha", "ha"]


def test_clean_html_line_breaks():
    assert clean_html("a<br />b<br>c<BR/>d< br / >e</br>f") == "a\nb\nc\nd\ne\nf"


def test_clean_html_removes_elements_and_unescapes_entities():
    text = 'x <i>it</i> &amp; <a href="https://imdb.com">link</a> &quot;q&quot; caf&#233;<hr>'
    assert clean_html(text).split() == ["x", "it", "&", "link", '"q"', "café"]


def test_clean_html_keeps_escaped_tags_and_reviewer_pseudo_tags():
    assert clean_html("&lt;b&gt; <grin> <i think so>") == "<b> <grin> <i think so>"


def test_line_breaks_become_one_newline_token():
    assert toks("first.<br /><br />Second<br />third") == [
        "first", ".", TK_NL, TK_MAJ, "second", TK_NL, "third",
    ]


def test_whitespace_is_collapsed():
    assert toks("  a \t b   c  ") == ["a", "b", "c"]


def test_non_ascii_letters():
    assert toks("Émile saw ÜBER café 中文電影 señor Ölaf") == [
        TK_MAJ, "émile", "saw", TK_UP, "über", "café", "中文電影", "señor", TK_MAJ, "ölaf",
    ]


def test_decomposed_accents_are_normalised():
    assert toks("Cafe\u0301") == [TK_MAJ, "caf\u00e9"]


def test_tokens_never_contain_whitespace():
    text = "A\u00a0B\tC<br />D\u2003E\r\nF  ...  G!!!! H H H"
    assert all(tok and not any(c.isspace() for c in tok) for tok in tokenize(text))


def test_million_character_review():
    sentence = "The movie wasn't GREAT, but it's fine. "
    text = sentence * (1_000_000 // len(sentence) + 1)
    start = time.perf_counter()
    out = tokenize(text)
    assert time.perf_counter() - start < 10
    per_sentence = toks(sentence)
    assert len(out) == 1 + len(per_sentence) * (len(text) // len(sentence))
    assert out[1 : 1 + len(per_sentence)] == per_sentence


@pytest.mark.parametrize(
    "text",
    [
        "<" + " " * 1_000_000,
        "<br" + " " * 1_000_000,
        "<b " + "=" * 1_000_000,
        "a" * 1_000_000,
        "ab " * 333_333,
        "n'" * 500_000,
        "1." * 500_000,
        "." * 1_000_000,
        "\n " * 500_000,
    ],
    ids=["lt-spaces", "br-spaces", "tag-equals", "char-run", "word-run", "nt", "dots-digits",
         "dots", "newlines"],
)
def test_pathological_million_character_inputs_stay_linear(text):
    start = time.perf_counter()
    tokenize(text)
    # Quadratic backtracking on a million characters would take hours, not seconds.
    assert time.perf_counter() - start < 10


TEXTS = [
    "Hello WORLD!!!",
    "",
    "I didn't like it...<br /><br />Not at ALL.",
    "Émile's café, 中文",
    "ha ha ha",
] * 12


def test_tokenize_many_matches_tokenize_in_order():
    assert tokenize_many(TEXTS, n_jobs=2) == [tokenize(t) for t in TEXTS]


def test_tokenize_many_single_process_and_pandas_input():
    assert tokenize_many(pd.Series(TEXTS[:5]), n_jobs=1) == [tokenize(t) for t in TEXTS[:5]]


def test_tokenize_many_of_nothing():
    assert tokenize_many([], n_jobs=2) == []


def test_tokenize_many_rejects_zero_jobs():
    with pytest.raises(EmbedlabError, match="n_jobs"):
        tokenize_many(TEXTS, n_jobs=0)


def _reviews(texts):
    return pd.DataFrame(
        {
            "split": ["train"] * len(texts),
            "label": [1] * len(texts),
            "rating": [8] * len(texts),
            "id": range(len(texts)),
            "text": texts,
        }
    )


def test_tokens_frame_round_trips_through_parquet(tmp_path):
    texts = TEXTS[:5]
    tokens = tokenize_many(texts, n_jobs=1)
    frame = tokens_frame(_reviews(texts), tokens)
    assert list(frame.columns) == ["split", "label", "rating", "id", "tokens", "n_tokens"]
    frame.to_parquet(tmp_path / "tokens.parquet")
    back = pd.read_parquet(tmp_path / "tokens.parquet")
    assert [s.split(" ") for s in back["tokens"]] == tokens
    assert back["n_tokens"].tolist() == [len(t) for t in tokens]


def test_tokens_frame_rejects_mismatched_lengths():
    with pytest.raises(EmbedlabError, match="2 token lists for 1 reviews"):
        tokens_frame(_reviews(["a"]), [["xxbos"], ["xxbos"]])
