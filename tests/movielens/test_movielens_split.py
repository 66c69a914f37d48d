"""movielens.split: random and temporal validation sets, and the unseen-id policy."""
from __future__ import annotations

import numpy as np
import pandas as pd

from embedlab.movielens.split import random_split, split_ratings, temporal_split, unseen_in_train


def grid(n_users: int = 10, n_items: int = 10) -> pd.DataFrame:
    """Every user rates every item: no id can be unseen after any split."""
    u, i = np.meshgrid(np.arange(1, n_users + 1), np.arange(1, n_items + 1), indexing="ij")
    u, i = u.ravel(), i.ravel()
    return pd.DataFrame({"user": u, "item": i, "rating": ((u + i) % 5 + 1).astype(float),
                         "timestamp": (u * 100 + i)})


def test_random_split_share():
    ratings = grid()  # 100 rows
    mask = random_split(ratings, 0.2, seed=42)
    assert mask.dtype == bool and mask.shape == (100,)
    assert mask.sum() == 20
    assert random_split(ratings, 0.25, seed=0).sum() == 25


def test_random_split_deterministic():
    ratings = grid()
    a, b = random_split(ratings, 0.2, 42), random_split(ratings, 0.2, 42)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, random_split(ratings, 0.2, 43))


def test_split_ratings_random_no_overlap_no_loss():
    ratings = grid()
    ratings.index = ratings.index * 3 + 5  # labels that are not positions
    train, valid = split_ratings(ratings, "random", 0.2, 42, "to_train")
    assert len(valid) == 20 and len(train) == 80  # a full grid leaves nothing unseen
    assert set(train.index).isdisjoint(valid.index)
    assert set(train.index) | set(valid.index) == set(ratings.index)
    assert train.index.is_monotonic_increasing and valid.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(pd.concat([train, valid]).sort_index(), ratings)


def hand_built() -> pd.DataFrame:
    # user 1: five ratings at t = 10..50 (rows out of time order); user 2: one rating;
    # user 3: two ratings. Index labels are deliberately not 0..n-1.
    rows = [
        (1, 101, 4.0, 30), (2, 101, 3.0, 5), (1, 102, 3.0, 50), (3, 103, 2.0, 7), (1, 103, 5.0, 10),
        (3, 101, 1.0, 8), (1, 104, 2.0, 40), (1, 105, 1.0, 20),
    ]
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"])
    df.index = [70, 60, 50, 40, 30, 20, 10, 0]
    return df


def test_temporal_split_latest_per_user():
    ratings = hand_built()
    mask = temporal_split(ratings, 0.5)
    valid = ratings[mask]
    # user 1: floor(5 * 0.5) = 2 latest (t=50, t=40); user 2: floor(0.5) = 0; user 3: floor(1) = 1 (t=8)
    assert sorted(zip(valid["user"], valid["timestamp"])) == [(1, 40), (1, 50), (3, 8)]
    assert list(mask) == [False, False, True, False, False, True, True, False]


def test_temporal_split_never_takes_all_of_a_user():
    ratings = hand_built()
    mask = temporal_split(ratings, 0.99)
    train = ratings[~mask]
    assert set(train["user"]) == {1, 2, 3}
    # user 1: floor(4.95) = 4 in validation, only the earliest (t=10) left; user 3: floor(1.98) = 1
    assert sorted(zip(train["user"], train["timestamp"])) == [(1, 10), (2, 5), (3, 7)]


def test_temporal_split_ties_broken_by_item():
    df = pd.DataFrame({"user": [1, 1, 1, 1], "item": [9, 3, 5, 1], "rating": 3.0,
                       "timestamp": [100, 100, 100, 50]})
    mask = temporal_split(df, 0.5)  # 2 of 4 latest: the t=100 ones with the highest items, 5 and 9
    assert sorted(df.loc[mask, "item"]) == [5, 9]


def cold() -> pd.DataFrame:
    """Temporal split with valid_frac 0.5 puts each user's later rating in validation:
    user 1 -> item 11 (rated by nobody else), user 2 -> item 10 (known), user 3 (rated once) -> none,
    user 4 -> item 10 ... so item 11 is unseen in training."""
    rows = [
        (1, 10, 4.0, 1), (1, 11, 3.0, 2),
        (2, 12, 2.0, 1), (2, 10, 5.0, 2),
        (3, 12, 1.0, 1),
        (4, 12, 3.0, 1), (4, 10, 4.0, 2),
    ]
    return pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"])


def test_unseen_in_train():
    train = pd.DataFrame({"user": [1, 2], "item": [10, 20]})
    valid = pd.DataFrame({"user": [1, 3, 2, 1], "item": [20, 10, 30, 10]})
    assert list(unseen_in_train(train, valid)) == [False, True, True, False]


def test_split_to_train_moves_unseen_rows():
    ratings = cold()
    train, valid = split_ratings(ratings, "temporal", 0.5, 0, "to_train")
    assert sorted(zip(valid["user"], valid["item"])) == [(2, 10), (4, 10)]
    assert (1, 11) in set(zip(train["user"], train["item"]))
    assert not unseen_in_train(train, valid).any()
    assert len(train) + len(valid) == len(ratings)
    assert set(train.index).isdisjoint(valid.index)
    assert set(train.index) | set(valid.index) == set(ratings.index)


def test_split_keep_leaves_unseen_rows_in_validation():
    ratings = cold()
    train, valid = split_ratings(ratings, "temporal", 0.5, 0, "keep")
    assert sorted(zip(valid["user"], valid["item"])) == [(1, 11), (2, 10), (4, 10)]
    assert list(unseen_in_train(train, valid)) == [True, False, False]
    assert len(train) + len(valid) == len(ratings)


def test_split_random_to_train_on_sparse_data():
    rng = np.random.default_rng(0)
    ratings = pd.DataFrame({"user": rng.integers(0, 30, 200), "item": rng.integers(0, 80, 200),
                            "rating": 3.0, "timestamp": np.arange(200)})
    train, valid = split_ratings(ratings, "random", 0.3, 1, "to_train")
    assert not unseen_in_train(train, valid).any()
    assert len(train) + len(valid) == 200
    assert set(train.index) | set(valid.index) == set(range(200))
    assert len(valid) < 60  # some rows moved back
    kept_train, kept_valid = split_ratings(ratings, "random", 0.3, 1, "keep")
    assert len(kept_valid) == 60
    assert unseen_in_train(kept_train, kept_valid).any()
