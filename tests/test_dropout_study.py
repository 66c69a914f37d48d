"""The dropout study's configs and summary on in-memory values; the stage itself runs in
tests/test_e2e_dropout.py."""
from __future__ import annotations

import pytest

from embedlab.dropout_config import StudyConfig
from embedlab.dropout_study import study_configs, summarize
from embedlab.errors import EmbedlabError
from embedlab.movielens.config import TrainConfig

TRAIN = {"model": "dot", "n_factors": 50, "hidden": 10, "emb_dropout": 0.05, "hidden_dropout": 0.5,
         "rating_range": [0.0, 5.5], "epochs": 5, "batch_size": 64, "lr": 0.005, "weight_decay": 0.1, "seed": 42}


def test_each_setting_overrides_the_shared_changes_which_override_train():
    study = StudyConfig(train={"model": "neural", "epochs": 2, "hidden_dropout": 0.3},
                        settings={"none": {"emb_dropout": 0.0, "hidden_dropout": 0.0}, "shared": {}})
    configs = study_configs(TrainConfig, TRAIN, study, "movielens.dropout_study")
    assert list(configs) == ["none", "shared"]
    assert (configs["none"].emb_dropout, configs["none"].hidden_dropout) == (0.0, 0.0)
    assert (configs["shared"].emb_dropout, configs["shared"].hidden_dropout) == (0.05, 0.3)
    assert {c.model for c in configs.values()} == {"neural"} and {c.epochs for c in configs.values()} == {2}
    assert {c.lr for c in configs.values()} == {0.005}


@pytest.mark.parametrize("settings, message", [
    ({"heavy": {"emb_dropout": 1.5}}, "emb_dropout must be in [0, 1)"),
    ({"heavy": {"dropout": 0.5}}, "settings.heavy has unknown key(s) dropout"),
    ({"heavy": {"hidden_dropout": "a lot"}}, "settings.heavy.hidden_dropout must be float"),
])
def test_a_bad_setting_is_a_one_line_error_naming_it(settings, message):
    with pytest.raises(EmbedlabError, match=message.replace("[", r"\[").replace(")", r"\)").replace("(", r"\(")):
        study_configs(TrainConfig, TRAIN, StudyConfig(train={}, settings=settings), "movielens.dropout_study")


@pytest.mark.parametrize("settings", [{}, None, ["none", "heavy"]])
def test_a_study_needs_named_settings(settings):
    with pytest.raises(EmbedlabError, match="settings must map setting names"):
        StudyConfig(train={}, settings=settings)


def test_the_gap_compares_validation_with_training_loss_measured_without_dropout():
    history = [{"epoch": 1, "train_loss": 0.9, "valid_loss": 0.8}, {"epoch": 2, "train_loss": 0.7, "valid_loss": 0.75}]
    table = summarize({"lesson": (history, 0.6), "heavy": (history[:1], 0.7)},
                      {"lesson": {"emb_dropout": 0.05}, "heavy": {"emb_dropout": 0.5}})
    assert table["setting"].tolist() == ["lesson", "heavy"]
    assert table["dropouts"].tolist() == ["emb_dropout 0.05", "emb_dropout 0.5"]
    assert table["train_loss"].tolist() == [0.7, 0.9]  # the last epoch's, dropout on
    assert table["gap"].tolist() == pytest.approx([0.15, 0.1])
