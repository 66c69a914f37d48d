"""ml-100k's official folds: read as shipped, split exactly, and refused where they are not folds or
the release has none. The archive is ml-100k-shaped, built from real ratings (tests/releases.py)."""
from __future__ import annotations

import pandas as pd
import pytest

import releases
from embedlab.errors import EmbedlabError
from embedlab.movielens import data, folds
from embedlab.movielens.config import load_config
from embedlab.movielens.split import fold_split, split_ratings
from embedlab.params import load

COLUMNS = list(data.RATING_COLUMNS)


@pytest.fixture(scope="module")
def shipped(mirror) -> dict[str, bytes]:
    return releases.shaped_100k(releases.members(mirror / "ml-latest-small.zip"), n=3_000)


def unpack(folder, files) -> None:
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


def prepared(folder, files) -> pd.DataFrame:
    unpack(folder, files)
    release, ratings, _ = data.read_release(folder)
    assert release == "ml-100k"
    return data.tidy_ratings(ratings, data.DECLARED_RANGE[release])


def rows(frame: pd.DataFrame) -> list[tuple]:
    return sorted(map(tuple, frame[COLUMNS].astype("int64").to_numpy().tolist()))


def shipped_rows(files, member) -> list[tuple]:
    return sorted(tuple(map(int, line.split("\t"))) for line in files[f"ml-100k/{member}"].decode().splitlines())


def test_each_fold_is_its_shipped_test_set_exactly(tmp_path, shipped):
    ratings = prepared(tmp_path, shipped)
    assert sorted(ratings[data.FOLD].unique()) == [1, 2, 3, 4, 5]
    seen = []
    for k, name in enumerate(data.FOLDS, start=1):
        train, valid = fold_split(ratings, name)
        assert rows(valid) == shipped_rows(shipped, f"u{k}.test")
        assert rows(train) == shipped_rows(shipped, f"u{k}.base")
        assert set(train.index).isdisjoint(valid.index) and len(train) + len(valid) == len(ratings)
        assert list(valid.columns) == COLUMNS  # the fold column stays out of the split
        seen += list(valid.index)
    assert sorted(seen) == list(ratings.index)  # the five test sets cover every rating once


def test_a_fold_keeps_ids_unseen_in_training_where_shipped(tmp_path, shipped):
    ratings = prepared(tmp_path, shipped)
    train, valid = split_ratings(ratings, "u2", 0.2, 42, unseen="to_train")
    assert rows(valid) == shipped_rows(shipped, "u2.test")
    assert (~valid["item"].isin(train["item"])).any()  # a sample this small has some: none moved


def test_random_split_of_ml_100k_ignores_the_fold_column(tmp_path, shipped):
    train, valid = split_ratings(prepared(tmp_path, shipped), "random", 0.2, 42, "to_train")
    assert list(train.columns) == list(valid.columns) == COLUMNS


def test_a_fold_asked_of_ml_latest_small_is_one_line(tmp_path):
    ratings = pd.DataFrame({"user": [1, 2], "item": [3, 4], "rating": [4.0, 3.5], "timestamp": [1, 2]})
    with pytest.raises(EmbedlabError) as info:
        split_ratings(ratings, "u1", 0.2, 42, "to_train")
    msg = str(info.value)
    assert "\n" not in msg and "split u1 is one of ml-100k's official folds" in msg and "ml-100k.zip" in msg


def test_test_sets_that_overlap_are_refused(tmp_path, shipped):
    first = shipped["ml-100k/u1.test"].splitlines(keepends=True)[0]
    files = {**shipped, "ml-100k/u2.test": shipped["ml-100k/u2.test"] + first}
    unpack(tmp_path, files)
    with pytest.raises(EmbedlabError, match="repeat a rating"):
        data.read_release(tmp_path)


def test_a_base_that_is_not_the_rest_is_refused(tmp_path, shipped):
    base = shipped["ml-100k/u4.base"].splitlines(keepends=True)
    unpack(tmp_path, {**shipped, "ml-100k/u4.base": b"".join(base[1:])})
    with pytest.raises(EmbedlabError, match="u4.base is not u.data without u4.test"):
        data.read_release(tmp_path)


def test_test_sets_that_miss_ratings_are_refused(tmp_path, shipped):
    test = shipped["ml-100k/u5.test"].splitlines(keepends=True)
    unpack(tmp_path, {**shipped, "ml-100k/u5.test": b"".join(test[1:])})
    with pytest.raises(EmbedlabError, match="do not partition u.data"):
        data.read_release(tmp_path)


def test_the_split_method_takes_the_folds_by_name():
    params = load()
    for name in data.FOLDS:
        params["movielens"]["split"]["method"] = name
        assert load_config(params).split.method == name
    params["movielens"]["split"]["method"] = "u6"
    with pytest.raises(EmbedlabError, match="movielens.split.method must be one of"):
        load_config(params)


def test_the_study_trains_each_fold_on_its_base_and_reports_the_mean(tmp_path, shipped):
    ratings = prepared(tmp_path, shipped)
    calls = []

    def train_one(name, train, test):  # a stand-in for the learner: the study's own bookkeeping
        calls.append((name, rows(train), rows(test)))
        return {"u1": 0.9, "u2": 1.0, "u3": 0.8, "u4": 1.1, "u5": 0.7}[name]

    summary = folds.run(ratings, train_one)
    assert [c[0] for c in calls] == list(data.FOLDS)
    for k, (name, train, test) in enumerate(calls, start=1):
        assert train == shipped_rows(shipped, f"u{k}.base") and test == shipped_rows(shipped, f"u{k}.test")
    assert summary["mean"]["rmse"] == pytest.approx(0.9)
    assert summary["u3"] == {"rmse": 0.8, "n_test": 600}
    table = folds.table(summary, "dot")
    assert "| dot, fold u3 (600 test ratings) | 0.8000 |" in table
    assert "| **dot, mean of the 5 folds** | **0.9000** |" in table
    assert "| Surprise SVD (published, mean of 5 random folds) | 0.934 |" in table


def test_the_study_refuses_a_release_without_folds_before_training():
    ratings = pd.DataFrame({"user": [1], "item": [3], "rating": [4.0], "timestamp": [1]})
    with pytest.raises(EmbedlabError, match="official folds"):
        folds.run(ratings, lambda *args: pytest.fail("trained without folds"))
