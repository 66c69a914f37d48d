"""movielens.data: reading either release, and refusing bad ratings."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.errors import EmbedlabError
from embedlab.movielens.data import read_release, tidy_movies, tidy_ratings


def raw(**over) -> pd.DataFrame:
    data = {"user": [2, 1, 1], "item": [5, 9, 3], "rating": [4.5, 0.5, 5.0],
            "timestamp": [300, 200, 100], "extra": ["x", "y", "z"]}
    data.update(over)
    return pd.DataFrame(data)


def test_tidy_ratings_types_order_and_columns():
    got = tidy_ratings(raw(), (0.5, 5.0))
    assert list(got.columns) == ["user", "item", "rating", "timestamp"]
    assert list(got.dtypes) == [np.int32, np.int32, np.float32, np.int64]
    assert got[["user", "item"]].values.tolist() == [[1, 3], [1, 9], [2, 5]]
    assert got["rating"].tolist() == [5.0, 0.5, 4.5]
    assert got.index.tolist() == [0, 1, 2]


@pytest.mark.parametrize("rating,rng", [(5.5, (0.5, 5.0)), (0.5, (1.0, 5.0)), (0.0, (0.5, 5.0))])
def test_tidy_ratings_out_of_range(rating, rng):
    with pytest.raises(EmbedlabError) as info:
        tidy_ratings(raw(rating=[4.0, rating, 3.0]), rng)
    msg = str(info.value)
    assert f"1 rating(s) outside the declared range {rng[0]}..{rng[1]}" in msg
    assert "by user 1" in msg


def test_tidy_ratings_nulls():
    with pytest.raises(EmbedlabError) as info:
        tidy_ratings(raw(rating=[4.0, None, 3.0], item=[1, 2, None]), (0.5, 5.0))
    msg = str(info.value)
    assert "missing values" in msg
    assert "'rating': 1" in msg and "'item': 1" in msg
    assert "user" not in msg


def test_read_release_latest_small(tmp_path):
    folder = tmp_path / "ml-latest-small"
    folder.mkdir()
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,10,4.0,964982703\n2,20,0.5,1\n")
    (folder / "movies.csv").write_text(
        'movieId,title,genres\n10,"Heat, (1995)",Action|Crime\n20,Toy Story (1995),Animation\n')
    release, ratings, movies = read_release(tmp_path)
    assert release == "ml-latest-small"
    assert list(ratings.columns) == ["user", "item", "rating", "timestamp"]
    assert ratings.values.tolist() == [[1, 10, 4.0, 964982703], [2, 20, 0.5, 1]]
    assert list(movies.columns) == ["item", "title", "genres"]
    assert movies["title"].tolist() == ["Heat, (1995)", "Toy Story (1995)"]
    typed = tidy_movies(movies)
    assert typed["item"].dtype == np.int32 and typed["title"].dtype == "string"


def test_read_release_missing_rating_column(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "ratings.csv").write_text("userId,movieId,score,timestamp\n1,10,4.0,1\n")
    (tmp_path / "x" / "movies.csv").write_text("movieId,title,genres\n10,A,B\n")
    with pytest.raises(EmbedlabError) as info:
        read_release(tmp_path)
    msg = str(info.value)
    assert "lacks column(s) rating" in msg
    assert "ratings.csv" in msg


def test_read_release_ml_100k(tmp_path):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "u.data").write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n")
    genres = "|".join(["0"] * 19)
    (folder / "u.item").write_bytes(
        (f"1|Toy Story (1995)|01-Jan-1995||http://x|{genres}\n"
         f"2|Caf\xe9 au lait (1994)|01-Jan-1994||http://y|{genres}\n").encode("latin-1"))
    release, ratings, movies = read_release(tmp_path)
    assert release == "ml-100k"
    assert list(ratings.columns) == ["user", "item", "rating", "timestamp"]
    assert ratings.values.tolist() == [[196, 242, 3, 881250949], [186, 302, 3, 891717742],
                                       [22, 377, 1, 878887116]]
    assert list(movies.columns) == ["item", "title", "genres"]
    assert movies["item"].tolist() == [1, 2]
    assert movies["title"].tolist() == ["Toy Story (1995)", "Café au lait (1994)"]
    assert movies["genres"].tolist() == ["", ""]
    tidy = tidy_ratings(ratings, (1.0, 5.0))
    assert tidy["user"].tolist() == [22, 186, 196]


def test_read_release_empty_folder(tmp_path):
    with pytest.raises(EmbedlabError, match="neither ratings.csv"):
        read_release(tmp_path)


def test_read_release_ml_100k_files_at_top(tmp_path):
    (tmp_path / "u.data").write_text("1\t2\t3\t4\n")
    (tmp_path / "u.item").write_text("2|A\n")
    release, ratings, movies = read_release(tmp_path)
    assert release == "ml-100k"
    assert ratings.values.tolist() == [[1, 2, 3, 4]]
    assert movies.values.tolist() == [[2, "A", ""]]
