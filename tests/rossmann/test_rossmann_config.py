"""rossmann.config: the rossmann section of params.yaml, typed and checked."""
from __future__ import annotations

import copy
from functools import partial
from pathlib import Path

import pytest
import yaml

import config_trees
from embedlab import params
from embedlab.errors import EmbedlabError
from embedlab.rossmann.config import RossmannConfig, TrainConfig, load_config

PARAMS = Path(__file__).resolve().parents[2] / "params.yaml"

GOOD = {"rossmann": {
    "split": {"method": "window", "start": "2014-08-01", "end": "2014-09-17", "valid_frac": 0.04,
              "seed": 42},
    "train": {"emb_size_rule": "lesson", "emb_dropout": 0.04, "layers": [1000, 500],
              "dropouts": [0.001, 0.01], "y_range_factor": 1.2, "epochs": 6, "batch_size": 512,
              "lr": 0.003, "weight_decay": 0.1, "seed": 42, "max_train_rows": None, "sgdr_after": None,
              "betas": [0.9, 0.999], "batchnorm": True, "emb_init": "fastai", "ensemble": 1, "precision": "fp32"},
    "baselines": {"gbm_max_iter": 300, "gbm_max_leaf_nodes": 63, "gbm_learning_rate": 0.1,
                  "gbm_min_samples_leaf": 20, "seed": 0},
    "dropout_study": {"train": {"epochs": 2}, "settings": {"none": {"emb_dropout": 0.0}}},
}}

changed = partial(config_trees.changed, GOOD)
error = partial(config_trees.config_error, load_config)


def test_good_tree_gives_typed_config():
    cfg = load_config(GOOD)
    assert cfg.split.method == "window"
    assert (cfg.split.start, cfg.split.end) == ("2014-08-01", "2014-09-17")
    assert cfg.train.layers == (1000, 500)
    assert cfg.train.dropouts == (0.001, 0.01)
    assert cfg.train.max_train_rows is None
    assert cfg.baselines.gbm_max_iter == 300


def test_real_params_yaml_loads():
    cfg = load_config(params.load(PARAMS))
    assert isinstance(cfg, RossmannConfig)
    assert cfg.split.method in ("window", "recent", "random")
    assert len(cfg.train.layers) == len(cfg.train.dropouts)


def test_one_day_window_is_allowed():
    cfg = load_config(changed("rossmann.split.end", "2014-08-01"))
    assert cfg.split.start == cfg.split.end == "2014-08-01"


def test_window_start_after_end():
    msg = error(changed("rossmann.split.start", "2014-09-18"))
    assert "rossmann.split.start" in msg and "after" in msg
    assert "2014-09-18" in msg and "2014-09-17" in msg


@pytest.mark.parametrize("key,value", [("start", "last summer"), ("start", "2014-13-01"),
                                       ("end", "2014-09-31"), ("end", "")])
def test_window_bound_not_a_date(key, value):
    msg = error(changed(f"rossmann.split.{key}", value))
    assert "YYYY-MM-DD" in msg and repr(value) in msg


def test_unquoted_yaml_date_is_a_clear_error_not_a_crash():
    tree = copy.deepcopy(GOOD)
    tree["rossmann"]["split"]["start"] = yaml.safe_load("2014-08-01")  # a datetime.date
    assert "rossmann.split.start" in error(tree)


@pytest.mark.parametrize("method", ["windw", "Window", "last", None])
def test_unknown_split_method(method):
    msg = error(changed("rossmann.split.method", method))
    assert "rossmann.split.method" in msg
    assert "'window'" in msg and "'recent'" in msg and "'random'" in msg


@pytest.mark.parametrize("frac", [0, 0.0, 1, 1.5, -0.2])
def test_valid_frac_must_be_a_share(frac):
    assert "valid_frac" in error(changed("rossmann.split.valid_frac", frac))


@pytest.mark.parametrize("layers,dropouts", [([1000, 500], [0.1]), ([10], [0.1, 0.2]), ([], [0.1])])
def test_layers_and_dropouts_length_mismatch(layers, dropouts):
    tree = changed("rossmann.train.layers", layers)
    tree["rossmann"]["train"]["dropouts"] = dropouts
    msg = error(tree)
    assert "layers" in msg and "dropouts" in msg and "same length" in msg


@pytest.mark.parametrize("key,value", [("dropouts", [0.1, 1.0]), ("dropouts", [-0.01, 0.1]),
                                       ("emb_dropout", 1.0), ("emb_dropout", -0.5), ("emb_dropout", 2)])
def test_dropout_out_of_range(key, value):
    msg = error(changed(f"rossmann.train.{key}", value))
    assert "dropout" in msg and "[0, 1)" in msg


def test_zero_dropout_allowed():
    tree = changed("rossmann.train.emb_dropout", 0)
    tree["rossmann"]["train"]["dropouts"] = [0, 0.0]
    cfg = load_config(tree)
    assert cfg.train.emb_dropout == 0.0 and cfg.train.dropouts == (0.0, 0.0)


@pytest.mark.parametrize("key,value", [("epochs", 0), ("batch_size", 0), ("layers", [1000, 0])])
def test_sizes_at_least_one(key, value):
    assert "at least 1" in error(changed(f"rossmann.train.{key}", value))


def test_unknown_emb_size_rule():
    msg = error(changed("rossmann.train.emb_size_rule", "sqrt"))
    assert "rossmann.train.emb_size_rule" in msg and "'lesson'" in msg and "'fastai'" in msg


def test_unknown_and_missing_keys():
    assert "unknown key(s) lr" in error(changed("rossmann.split.lr", 0.1))
    tree = copy.deepcopy(GOOD)
    del tree["rossmann"]["train"]["epochs"]
    assert "rossmann.train.epochs is missing" in error(tree)
    assert "rossmann" in error({"movielens": {}})


def test_max_train_rows_null_or_a_count():
    assert load_config(GOOD).train.max_train_rows is None
    assert load_config(changed("rossmann.train.max_train_rows", 5000)).train.max_train_rows == 5000


def test_direct_train_config_is_checked_too():
    base = dict(emb_size_rule="lesson", emb_dropout=0.0, layers=(4,), dropouts=(0.0,), y_range_factor=1.2,
                epochs=1, batch_size=2, lr=0.01, weight_decay=0.0, seed=0, max_train_rows=None, sgdr_after=None,
                betas=(0.9, 0.99), batchnorm=False, emb_init="lesson", ensemble=1,
                precision="fp32")
    TrainConfig(**base)
    with pytest.raises(EmbedlabError, match="same length"):
        TrainConfig(**{**base, "dropouts": (0.1, 0.1)})
