"""Raw MovieLens files -> one typed ratings table (user, item, rating, timestamp) and movie titles.

ml-100k ships five official folds (u1..u5: u{k}.test a fifth of u.data, the five disjoint, and
u{k}.base the rest); its ratings carry a `fold` column, k for the rows of u{k}.test, so that a
split can take a fold's test set exactly as shipped. ml-latest-small has no folds and no column."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.errors import EmbedlabError

RATING_COLUMNS = ("user", "item", "rating", "timestamp")
FOLD = "fold"  # the column: k for the rows of ml-100k's u{k}.test
FOLDS = ("u1", "u2", "u3", "u4", "u5")
# the scale each release declares in its README
DECLARED_RANGE = {"ml-latest-small": (0.5, 5.0), "ml-100k": (1.0, 5.0)}


def _find(folder: Path, name: str) -> Path | None:
    found = sorted(folder.rglob(name))
    return found[0] if found else None


def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **kwargs)
    except FileNotFoundError:
        raise EmbedlabError(f"{path} is missing; run the download stage again") from None
    except ValueError as exc:  # wrong dtypes, missing usecols
        raise EmbedlabError(f"{path.name}: {exc}") from None


def read_release(folder: Path) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """(release name, ratings, movies) from an extracted ml-latest-small or ml-100k folder."""
    if (path := _find(folder, "ratings.csv")) is not None:
        raw = _read_csv(path)
        missing = {"userId", "movieId", "rating", "timestamp"} - set(raw.columns)
        if missing:
            raise EmbedlabError(f"{path} lacks column(s) {', '.join(sorted(missing))}")
        ratings = raw.rename(columns={"userId": "user", "movieId": "item"})
        movies = _read_csv(path.with_name("movies.csv")).rename(columns={"movieId": "item"})
        return "ml-latest-small", ratings, movies[["item", "title", "genres"]]
    if (path := _find(folder, "u.data")) is not None:
        ratings = _read_ratings_100k(path)
        items = _read_csv(path.with_name("u.item"), sep="|", header=None, encoding="latin-1",
                          usecols=[0, 1], names=["item", "title"])
        if path.with_name(f"{FOLDS[0]}.test").is_file():
            ratings = ratings.assign(**{FOLD: official_folds(ratings, path.parent)})
        return "ml-100k", ratings, items.assign(genres="")
    raise EmbedlabError(f"{folder} holds neither ratings.csv (ml-latest-small) nor u.data (ml-100k); "
                        "run the download stage first")


def _read_ratings_100k(path: Path) -> pd.DataFrame:
    return _read_csv(path, sep="\t", header=None, names=list(RATING_COLUMNS))


def official_folds(ratings: pd.DataFrame, folder: Path) -> np.ndarray:
    """For each row of u.data, the k of the u{k}.test that holds it; an error unless the five test
    sets partition u.data and each u{k}.base is u.data without u{k}.test."""
    keys = list(RATING_COLUMNS)
    tests = pd.concat([_read_ratings_100k(folder / f"{name}.test").assign(**{FOLD: k})
                       for k, name in enumerate(FOLDS, start=1)], ignore_index=True)
    if ratings.duplicated(keys).any() or tests.duplicated(keys).any():
        raise EmbedlabError(f"{folder}: u.data or the u*.test files repeat a rating, so the official folds "
                            "cannot be told apart")
    placed = ratings[keys].merge(tests, on=keys, how="left", indicator=True)
    if len(tests) != len(ratings) or (placed["_merge"] != "both").any():
        raise EmbedlabError(f"{folder}: the u1..u5 test sets ({len(tests):,} ratings) do not partition u.data "
                            f"({len(ratings):,}), as GroupLens' folds do")
    fold = placed[FOLD].to_numpy(np.int8)
    for k, name in enumerate(FOLDS, start=1):
        base = _read_ratings_100k(folder / f"{name}.base")
        if base.duplicated(keys).any():
            raise EmbedlabError(f"{folder}: {name}.base repeats a rating")
        in_base = base.merge(ratings[keys].assign(**{FOLD: fold}), on=keys, how="inner")
        if len(base) + int((fold == k).sum()) != len(ratings) or len(in_base) != len(base) \
                or (in_base[FOLD] == k).any():
            raise EmbedlabError(f"{folder}: {name}.base is not u.data without {name}.test")
    return fold


def tidy_ratings(ratings: pd.DataFrame, rating_range: tuple[float, float]) -> pd.DataFrame:
    """Typed columns, nulls and out-of-range ratings refused, sorted for a stable order; the
    official fold of each rating kept where the release has them."""
    ratings = ratings[[*RATING_COLUMNS, *([FOLD] if FOLD in ratings else [])]]
    nulls = ratings.isna().sum()
    if nulls.any():
        raise EmbedlabError(f"ratings have missing values: {nulls[nulls > 0].to_dict()}")
    lo, hi = rating_range
    bad = ratings[(ratings["rating"] < lo) | (ratings["rating"] > hi)]
    if len(bad):
        raise EmbedlabError(f"{len(bad)} rating(s) outside the declared range {lo}..{hi} "
                            f"(e.g. {bad['rating'].iloc[0]} by user {bad['user'].iloc[0]})")
    typed = ratings.astype({"user": np.int32, "item": np.int32, "rating": np.float32,
                            "timestamp": np.int64, **({FOLD: np.int8} if FOLD in ratings else {})})
    return typed.sort_values(["user", "item"], ignore_index=True)


def tidy_movies(movies: pd.DataFrame) -> pd.DataFrame:
    return movies.astype({"item": np.int32, "title": "string", "genres": "string"})
