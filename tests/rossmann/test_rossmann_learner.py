"""rossmann.learner: training rows, prediction rules, save/load, and a small seeded training run on a
synthetic frame with every real feature column."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from embedlab.errors import EmbedlabError
from embedlab.metrics import rmspe
from embedlab.rossmann import learner, preprocess
from embedlab.rossmann.config import TrainConfig
from embedlab.rossmann.features import CATEGORICAL, CONTINUOUS

CPU = torch.device("cpu")


def config(**over) -> TrainConfig:
    base = dict(emb_size_rule="lesson", emb_dropout=0.04, layers=(32, 16), dropouts=(0.0, 0.1),
                y_range_factor=1.2, epochs=2, batch_size=128, lr=3e-3, weight_decay=0.1, seed=1,
                max_train_rows=None, sgdr_after=None, betas=(0.9, 0.99), batchnorm=False, emb_init="lesson",
                ensemble=1, precision="fp32")
    base.update(over)
    return TrainConfig(**base)


def train(cfg: TrainConfig, train_df, valid_df, on_epoch=None):
    """(networks, preprocessor, history) of a training."""
    trained = learner.train(cfg, train_df, valid_df, CPU, on_epoch=on_epoch)
    return trained.model.net, trained.model.prep, trained.history


def predict_sales(net, prep, rows) -> np.ndarray:
    return learner.SalesNetwork(net, config(), prep).predict(rows)


# --- training_rows ---------------------------------------------------------------------------------

def sales_frame() -> pd.DataFrame:
    return pd.DataFrame({"Sales": [0, 5, 0, 7, 9, 3], "Store": [1, 2, 3, 4, 5, 6]}, index=list("abcdef"))


@pytest.mark.parametrize("limit", [None, 4, 10])
def test_training_rows_drop_zero_sales(limit):
    rows = learner.training_rows(sales_frame(), config(max_train_rows=limit))
    assert list(rows.index) == ["b", "d", "e", "f"]
    assert rows["Sales"].tolist() == [5, 7, 9, 3]


def test_training_rows_subsample_after_dropping_zeros_and_deterministically():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"Sales": np.where(rng.random(300) < 0.3, 0, rng.integers(1, 100, 300))})
    positives = set(frame.index[frame["Sales"] > 0])
    a = learner.training_rows(frame, config(max_train_rows=50, seed=3))
    b = learner.training_rows(frame, config(max_train_rows=50, seed=3))
    c = learner.training_rows(frame, config(max_train_rows=50, seed=4))
    assert len(a) == 50 and a.index.is_unique
    assert set(a.index) <= positives
    assert a.equals(b)
    assert set(a.index) != set(c.index)


# --- a trained model, shared by the tests below -------------------------------------------------------

@pytest.fixture(scope="module")
def data(make_features):
    frame = make_features(n=2000, seed=0)
    valid_mask = np.arange(len(frame)) % 5 == 0
    train_df, valid_df = frame[~valid_mask].copy(), frame[valid_mask].copy()
    # things only the validation rows have: they must not reach the preprocessing
    valid_df.iloc[:5, valid_df.columns.get_loc("Store")] = 9999
    valid_df["CompetitionDistance"] = valid_df["CompetitionDistance"] * 1000
    return train_df, valid_df


@pytest.fixture(scope="module")
def trained(data):
    seen = []
    model, prep, history = train(config(), *data, on_epoch=seen.append)
    return model, prep, history, seen


def test_train_history(data, trained):
    _, _, history, seen = trained
    assert [row["epoch"] for row in history] == [1, 2]
    assert all(set(row) == {"epoch", "member", "train_loss", "valid_loss", "valid_rmspe"} for row in history)
    assert [row["member"] for row in history] == [1, 1]
    assert all(np.isfinite(row["valid_rmspe"]) and row["valid_rmspe"] > 0 for row in history)
    # validation has closed days (Sales 0); they are left out, or log(0) would make the loss infinite
    assert (data[1]["Sales"] == 0).any()
    assert all(np.isfinite(row[k]) for row in history for k in ("train_loss", "valid_loss"))
    assert seen == history


def test_train_same_config_same_history(data, trained):
    model, _, history, _ = trained
    model2, _, history2 = train(config(), *data)
    assert history2 == history
    for (name, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items()):
        assert torch.equal(a, b), name


def test_an_ensemble_is_its_seeds_networks_averaged_in_log_space(data, trained):
    single, prep, history, _ = trained
    seen = []
    ensemble, prep2, history2 = train(config(ensemble=2), *data, on_epoch=seen.append)
    assert prep2 == prep and len(ensemble.members) == 2
    # member 1 is the single network of the same seed; member 2 the single network of seed + 1
    next_seed, _, next_history = train(config(seed=2), *data)
    for member, alone in ((ensemble.members[0], single.members[0]), (ensemble.members[1], next_seed.members[0])):
        for (name, a), (_, b) in zip(member.state_dict().items(), alone.state_dict().items()):
            assert torch.equal(a, b), name
    # one history, epochs numbered on across the members
    assert [(row["epoch"], row["member"]) for row in history2] == [(1, 1), (2, 1), (3, 2), (4, 2)]
    assert history2[2]["valid_rmspe"] == next_history[0]["valid_rmspe"]
    assert seen == history2
    # the prediction: the geometric mean of the members' sales
    rows = data[1][data[1]["Sales"] > 0]
    both = [predict_sales(m, prep, rows) for m in (single, next_seed)]
    np.testing.assert_allclose(predict_sales(ensemble, prep, rows), np.sqrt(both[0] * both[1]), rtol=1e-5)


def test_valid_rmspe_is_rmspe_of_predicted_sales_on_days_with_sales(data, trained):
    model, prep, history, _ = trained
    valid = data[1][data[1]["Sales"] > 0]
    pred = predict_sales(model, prep, valid)
    assert history[-1]["valid_rmspe"] == pytest.approx(rmspe(valid["Sales"].to_numpy(), pred), rel=1e-4)


def test_train_fits_preprocessing_on_training_rows_with_sales_only(data, trained):
    model, prep, _, _ = trained
    train_df = data[0][data[0]["Sales"] > 0]
    assert list(prep.categories) == CATEGORICAL
    assert prep.categories["Store"] == sorted(train_df["Store"].unique().tolist())
    assert 9999 not in prep.categories["Store"]
    assert prep.median["CompetitionDistance"] == pytest.approx(float(np.nanmedian(train_df["CompetitionDistance"])))
    assert list(prep.median) == CONTINUOUS
    # y range: 0 up to 1.2 x the largest log sales of the training rows
    assert model.y_range[0] == 0.0
    assert model.y_range[1] == pytest.approx(1.2 * np.log(train_df["Sales"].max()), rel=1e-5)


def test_train_on_a_subsample(data):
    _, prep, history = train(config(max_train_rows=300, epochs=1), *data)
    assert len(history) == 1
    assert len(prep.categories["Store"]) < len(set(data[0]["Store"]))  # 300 rows miss some of 300 stores


# --- prediction -------------------------------------------------------------------------------------

def test_predict_sales_closed_is_zero_and_missing_open_counts_as_open(data, trained):
    model, prep, _, _ = trained
    rows = data[1].iloc[:4].copy()
    rows["Open"] = pd.array([0, 1, pd.NA, 0], dtype="Int8")
    pred = predict_sales(model, prep, rows)
    assert pred.shape == (4,) and pred.dtype == np.float64
    assert pred[0] == 0.0 and pred[3] == 0.0
    assert pred[1] > 0 and pred[2] > 0
    # open rows get exp of the network's log sales
    with torch.no_grad():
        log_sales = model.eval()(torch.from_numpy(prep.transform(rows))).numpy()
    np.testing.assert_allclose(pred[[1, 2]], np.exp(log_sales[[1, 2]].astype(np.float64)), rtol=1e-6)
    # the same with a float column holding NaN, and without any Open column
    as_float = predict_sales(model, prep, rows.assign(Open=[0.0, 1.0, np.nan, 0.0]))
    np.testing.assert_array_equal(as_float, pred)
    no_open = predict_sales(model, prep, rows.drop(columns="Open"))
    assert (no_open > 0).all()
    np.testing.assert_array_equal(no_open[[1, 2]], pred[[1, 2]])


def test_predict_sales_is_deterministic_and_inside_range(data, trained):
    model, prep, _, _ = trained
    rows = data[1]
    model.train()  # predict_sales must switch dropout off itself
    a = predict_sales(model, prep, rows)
    b = predict_sales(model, prep, rows)
    np.testing.assert_array_equal(a, b)
    open_ = rows["Open"].fillna(1).to_numpy() != 0
    assert (a[open_] > np.exp(model.y_range[0]) * (1 - 1e-6)).all()
    assert (a[open_] < np.exp(model.y_range[1]) * (1 + 1e-6)).all()


# --- save / load ------------------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path, data, trained):
    model, prep, _, _ = trained
    cfg = config()
    path = tmp_path / "model" / "model.pt"
    learner.SalesNetwork(model, cfg, prep).save(path)
    assert {p.name for p in path.parent.iterdir()} == {"model.pt"}
    loaded = learner.load(path)
    assert loaded.cfg == cfg
    assert loaded.prep == prep
    assert not loaded.net.training
    assert tuple(loaded.net.y_range) == tuple(model.y_range)
    probe = data[1]
    np.testing.assert_array_equal(loaded.predict(probe), predict_sales(model, prep, probe))


def test_a_model_file_from_before_an_option_loads_with_its_legacy_default(tmp_path, trained):
    """A file saved before `ensemble` (and the other later options) existed rebuilds as the code of
    that time did: params.LEGACY_DEFAULTS, not today's params.yaml."""
    model, prep, _, _ = trained
    path = tmp_path / "old.pt"
    learner.SalesNetwork(model, config(), prep).save(path)
    saved = torch.load(path, weights_only=True)
    for key in ("ensemble", "batchnorm", "emb_init", "betas", "sgdr_after"):
        del saved["config"][key]
    torch.save(saved, path)
    loaded = learner.load(path)
    assert (loaded.cfg.ensemble, loaded.cfg.batchnorm, loaded.cfg.emb_init) == (1, False, "lesson")
    assert loaded.cfg.betas == (0.9, 0.99) and loaded.cfg.sgdr_after is None


def test_config_survives_asdict():
    cfg = config(max_train_rows=10)
    assert TrainConfig(**dataclasses.asdict(cfg)) == cfg


def test_load_missing_model(tmp_path):
    with pytest.raises(EmbedlabError, match="no trained model at .*dvc repro rossmann_train"):
        learner.load(tmp_path / "model.pt")


def test_build_model_follows_preprocessor_and_config():
    prep = preprocess.fit(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"], "c": [1.0, np.nan, 2.0]}),
                          ["a", "b"], ["c"])
    model = learner.build_model(config(layers=(6,), dropouts=(0.2,)), prep, (0.0, 3.0))
    [net] = model.members
    assert [e.num_embeddings for e in net.embeds] == [4, 3]
    assert net.bn_cont.num_features == 2  # c and its was-missing flag
    assert model.y_range == (0.0, 3.0)
