"""movielens.config: typed, checked movielens section of params.yaml."""
from __future__ import annotations

import copy
from functools import partial
from pathlib import Path

import pytest
import yaml

import config_trees
from embedlab import params
from embedlab.errors import EmbedlabError
from embedlab.movielens.config import MovieLensConfig, load_config

PARAMS = Path(__file__).resolve().parents[2] / "params.yaml"

GOOD = {"movielens": {
    "split": {"method": "random", "valid_frac": 0.2, "seed": 42, "unseen": "to_train"},
    "train": {"model": "dot", "n_factors": 4, "hidden": 3, "emb_dropout": 0.0, "hidden_dropout": 0.5,
              "rating_range": [0, 5.5], "epochs": 2, "batch_size": 8, "lr": 0.01, "weight_decay": 0.1,
              "seed": 1},
    "baselines": {"user_reg": 10, "item_reg": 25.0},
    "interpret": {"top_n": 5, "min_ratings": 2, "pca_movies": 10},
    "dropout_study": {"train": {"model": "neural"}, "settings": {"none": {"emb_dropout": 0.0}}},
}}

changed = partial(config_trees.changed, GOOD)
error = partial(config_trees.config_error, load_config)


def test_good_config():
    cfg = load_config(GOOD)
    assert cfg.train.rating_range == (0.0, 5.5)
    assert cfg.baselines.user_reg == 10.0 and type(cfg.baselines.user_reg) is float
    assert cfg.split.method == "random" and cfg.split.unseen == "to_train"


@pytest.mark.parametrize("frac", [0, 0.0, 1, 1.0, 1.5, -0.1])
def test_valid_frac_outside_open_interval(frac):
    msg = error(changed("movielens.split.valid_frac", frac))
    assert "movielens.split.valid_frac must be between 0 and 1" in msg


@pytest.mark.parametrize("rng", [[5, 1], [3, 3], [1], [1, 2, 3], []])
def test_bad_rating_range(rng):
    msg = error(changed("movielens.train.rating_range", rng))
    assert "movielens.train.rating_range must be [low, high]" in msg


def test_rating_range_of_strings():
    assert "movielens.train.rating_range[1] must be float, got 'x'" in error(
        changed("movielens.train.rating_range", [1, "x"]))


def test_unknown_model():
    msg = error(changed("movielens.train.model", "svd"))
    assert msg == "movielens.train.model must be one of 'dot', 'neural', got 'svd'"


def test_unknown_split_method_and_unseen_policy():
    assert "movielens.split.method must be one of 'random', 'temporal', 'u1', 'u2', 'u3', 'u4', 'u5', " \
        "got 'time'" in error(
        changed("movielens.split.method", "time"))
    assert "movielens.split.unseen must be one of 'to_train', 'keep', got 'drop'" in error(
        changed("movielens.split.unseen", "drop"))


@pytest.mark.parametrize("name,value", [("emb_dropout", 1.0), ("hidden_dropout", -0.1)])
def test_bad_dropout(name, value):
    assert f"movielens.train.{name} must be in [0, 1)" in error(changed(f"movielens.train.{name}", value))


@pytest.mark.parametrize("name", ["n_factors", "hidden", "epochs", "batch_size"])
def test_sizes_at_least_one(name):
    assert f"movielens.train.{name} must be at least 1" in error(changed(f"movielens.train.{name}", 0))


def test_missing_section():
    with pytest.raises(EmbedlabError, match="no 'movielens'"):
        load_config({"rossmann": {}})


def test_typo_in_key():
    tree = copy.deepcopy(GOOD)
    tree["movielens"]["train"]["learning_rate"] = tree["movielens"]["train"].pop("lr")
    msg = error(tree)
    assert "movielens.train has unknown key(s) learning_rate" in msg


def test_real_params_yaml_loads():
    raw = yaml.safe_load(PARAMS.read_text())["movielens"]
    cfg = load_config(params.load(PARAMS))
    assert isinstance(cfg, MovieLensConfig)
    assert cfg.split.method == raw["split"]["method"]
    assert cfg.split.valid_frac == raw["split"]["valid_frac"]
    assert cfg.train.model == raw["train"]["model"]
    assert cfg.train.rating_range == tuple(float(v) for v in raw["train"]["rating_range"])
    assert cfg.train.lr == raw["train"]["lr"]
    assert cfg.interpret.top_n == raw["interpret"]["top_n"]
