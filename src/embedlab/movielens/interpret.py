"""What the embeddings learned: movies by learned bias, and movie factors on their principal axes."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from torch import nn


def _movie_table(items: np.ndarray, movies: pd.DataFrame, ratings: pd.DataFrame) -> pd.DataFrame:
    counts = ratings["item"].value_counts()
    table = pd.DataFrame({"item": items, "index": np.arange(1, len(items) + 1)})
    table["n_ratings"] = table["item"].map(counts).fillna(0).astype(int)
    return table.merge(movies[["item", "title"]], on="item", how="left")


def movie_biases(model: nn.Module, items: np.ndarray, movies: pd.DataFrame, ratings: pd.DataFrame,
                 min_ratings: int) -> pd.DataFrame:
    """Learned movie bias (the rating left once who rated it is accounted for), best first,
    among movies with at least `min_ratings` training ratings."""
    table = _movie_table(items, movies, ratings)
    table["bias"] = model.item_bias.weight.detach().numpy()[table["index"], 0]
    table["mean_rating"] = table["item"].map(ratings.groupby("item")["rating"].mean())
    table = table[table["n_ratings"] >= min_ratings]
    return table.sort_values("bias", ascending=False, ignore_index=True)[
        ["item", "title", "bias", "mean_rating", "n_ratings"]]


def movie_components(model: nn.Module, items: np.ndarray, movies: pd.DataFrame,
                     ratings: pd.DataFrame, n_movies: int) -> pd.DataFrame:
    """The most-rated movies' factors projected on their first two principal components."""
    table = _movie_table(items, movies, ratings).nlargest(n_movies, "n_ratings")
    # float64: in float32, threaded BLAS sums in a varying order and moves the 7th digit from
    # run to run, so identical models would write different files
    factors = model.item.weight.detach().numpy()[table["index"]].astype(np.float64)
    pcs = PCA(n_components=2, random_state=0).fit_transform(factors)
    return table.assign(pc1=pcs[:, 0], pc2=pcs[:, 1])[["item", "title", "n_ratings", "pc1", "pc2"]]
