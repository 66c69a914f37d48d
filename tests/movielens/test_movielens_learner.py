"""movielens.learner: training determinism, save/load round trip, range check."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from embedlab.errors import EmbedlabError
from embedlab.movielens import learner
from embedlab.movielens.config import TrainConfig

CPU = torch.device("cpu")


def config(**over) -> TrainConfig:
    base = dict(model="dot", n_factors=3, hidden=4, emb_dropout=0.1, hidden_dropout=0.2,
                rating_range=(0.0, 5.5), epochs=2, batch_size=8, lr=0.05, weight_decay=0.1, seed=3)
    base.update(over)
    return TrainConfig(**base)


def ratings() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    users, items = np.meshgrid(np.arange(1, 9), np.arange(100, 106), indexing="ij")
    df = pd.DataFrame({"user": users.ravel().astype(np.int32), "item": items.ravel().astype(np.int32)})
    df["rating"] = (1 + (df["user"] % 4) + (df["item"] % 2) + rng.normal(0, 0.2, len(df))).clip(0.5, 5.0)
    df["rating"] = df["rating"].astype(np.float32)
    df["timestamp"] = np.arange(len(df), dtype=np.int64)
    valid_mask = np.arange(len(df)) % 5 == 0
    return df[~valid_mask].reset_index(drop=True), df[valid_mask].reset_index(drop=True)


def test_pairs_encodes_unseen_as_zero():
    df = pd.DataFrame({"user": [5, 7, 6], "item": [1, 2, 9]})
    x = learner.pairs(df, np.array([5, 7]), np.array([1, 2]))
    assert x.dtype == torch.int64
    assert x.tolist() == [[1, 1], [2, 2], [0, 0]]


@pytest.mark.parametrize("model", ["dot", "neural"])
def test_train_same_config_same_history(model):
    train_df, valid_df = ratings()
    seen = []
    first = learner.train(config(model=model), train_df, valid_df, CPU, on_epoch=seen.append)
    h1, h2 = first.history, learner.train(config(model=model), train_df, valid_df, CPU).history
    assert h1 == h2
    assert seen == h1
    assert [r["epoch"] for r in h1] == [1, 2]
    assert set(h1[0]) == {"epoch", "train_loss", "valid_loss", "valid_rmse"}
    assert h1[-1]["valid_rmse"] == pytest.approx(h1[-1]["valid_loss"] ** 0.5, rel=1e-4)
    assert first.model.users.tolist() == list(range(1, 9))
    assert first.model.items.tolist() == list(range(100, 106))
    assert next(first.model.net.parameters()).device.type == "cpu"


def test_train_other_seed_differs():
    train_df, valid_df = ratings()
    h1 = learner.train(config(), train_df, valid_df, CPU).history
    h2 = learner.train(config(seed=4), train_df, valid_df, CPU).history
    assert h1 != h2


@pytest.mark.parametrize("model", ["dot", "neural"])
def test_save_load_round_trip(tmp_path, model):
    train_df, valid_df = ratings()
    cfg = config(model=model, epochs=1)
    trained = learner.train(cfg, train_df, valid_df, CPU).model
    # include an unseen user and an unseen movie
    probe = pd.concat([valid_df, pd.DataFrame({"user": [99, 1], "item": [100, 999], "rating": [3.0, 3.0],
                                               "timestamp": [0, 0]})], ignore_index=True)
    before = trained.predict(probe)
    path = tmp_path / "model" / "model.pt"
    trained.save(path)
    assert {p.name for p in path.parent.iterdir()} == {"model.pt"}
    loaded = learner.load(path)
    assert loaded.cfg == cfg
    assert np.array_equal(loaded.users, trained.users) and np.array_equal(loaded.items, trained.items)
    assert not loaded.net.training
    after = loaded.predict(probe)
    assert before.shape == (len(probe),)
    np.testing.assert_array_equal(before, after)
    assert ((after >= 0.0) & (after <= 5.5)).all()


def test_load_missing_model(tmp_path):
    with pytest.raises(EmbedlabError, match="no trained model at .*dvc repro movielens_train"):
        learner.load(tmp_path / "model.pt")


def test_check_range():
    cfg = config(rating_range=(1.0, 5.0))
    learner.check_range(cfg, pd.Series([1.0, 3.0, 5.0]))
    with pytest.raises(EmbedlabError) as info:
        learner.check_range(cfg, pd.Series([0.5, 3.0, 5.0]))
    assert str(info.value) == ("movielens.train.rating_range [1.0, 5.0] does not cover the ratings "
                               "(0.5..5.0); widen it")
    with pytest.raises(EmbedlabError, match=r"\(1.0..5.5\)"):
        learner.check_range(cfg, pd.Series([1.0, 5.5]))


def test_train_refuses_ratings_outside_range():
    train_df, valid_df = ratings()
    with pytest.raises(EmbedlabError, match="does not cover"):
        learner.train(config(rating_range=(1.0, 4.0)), train_df, valid_df, CPU)


def test_config_survives_asdict():
    cfg = config()
    assert TrainConfig(**dataclasses.asdict(cfg)) == cfg
