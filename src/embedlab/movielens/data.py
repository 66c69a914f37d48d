"""Raw MovieLens files -> one typed ratings table (user, item, rating, timestamp) and movie titles."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.errors import EmbedlabError

RATING_COLUMNS = ("user", "item", "rating", "timestamp")
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
        ratings = _read_csv(path, sep="\t", header=None, names=list(RATING_COLUMNS))
        items = _read_csv(path.with_name("u.item"), sep="|", header=None, encoding="latin-1",
                          usecols=[0, 1], names=["item", "title"])
        return "ml-100k", ratings, items.assign(genres="")
    raise EmbedlabError(f"{folder} holds neither ratings.csv (ml-latest-small) nor u.data (ml-100k); "
                        "run the download stage first")


def tidy_ratings(ratings: pd.DataFrame, rating_range: tuple[float, float]) -> pd.DataFrame:
    """Typed columns, nulls and out-of-range ratings refused, sorted for a stable order."""
    ratings = ratings[list(RATING_COLUMNS)]
    nulls = ratings.isna().sum()
    if nulls.any():
        raise EmbedlabError(f"ratings have missing values: {nulls[nulls > 0].to_dict()}")
    lo, hi = rating_range
    bad = ratings[(ratings["rating"] < lo) | (ratings["rating"] > hi)]
    if len(bad):
        raise EmbedlabError(f"{len(bad)} rating(s) outside the declared range {lo}..{hi} "
                            f"(e.g. {bad['rating'].iloc[0]} by user {bad['user'].iloc[0]})")
    typed = ratings.astype({"user": np.int32, "item": np.int32, "rating": np.float32,
                            "timestamp": np.int64})
    return typed.sort_values(["user", "item"], ignore_index=True)


def tidy_movies(movies: pd.DataFrame) -> pd.DataFrame:
    return movies.astype({"item": np.int32, "title": "string", "genres": "string"})
