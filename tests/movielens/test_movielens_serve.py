"""movielens.serve: the pyfunc model on MovieLens's own ids, unseen ones included."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from mlflow.pyfunc import PythonModelContext

from embedlab.errors import EmbedlabError
from embedlab.movielens import learner
from embedlab.movielens.config import TrainConfig
from embedlab.movielens.serve import MovieRatings, predict_pairs

CFG = TrainConfig(model="dot", n_factors=3, hidden=4, emb_dropout=0.1, hidden_dropout=0.2,
                  rating_range=(0.0, 5.5), epochs=1, batch_size=8, lr=0.05, weight_decay=0.1, seed=3)


def _predict(model, pairs):
    return model.predict(pairs.rename(columns={"userId": "user", "movieId": "item"}))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ratings = pd.DataFrame({"user": np.repeat([10, 20, 30], 4).astype(np.int32),
                            "item": np.tile([100, 200, 300, 400], 3).astype(np.int32)})
    ratings["rating"] = np.float32(1.0) + (ratings["user"] // 10) + (ratings["item"] // 200)
    ratings["rating"] = ratings["rating"].clip(0.5, 5.0)
    model = learner.train(CFG, ratings, ratings, torch.device("cpu")).model
    path = tmp_path_factory.mktemp("movielens") / "model.pt"
    model.save(path)
    pyfunc = MovieRatings()
    pyfunc.load_context(PythonModelContext({"model": str(path)}, None))
    return pyfunc, model


def test_predict_takes_movielens_ids_and_returns_one_rating_per_row(served):
    pyfunc, model = served
    pairs = pd.DataFrame({"userId": [10, 30, 20], "movieId": [400, 100, 200]})
    out = pyfunc.predict(None, pairs)
    assert list(out.columns) == ["rating"] and len(out) == 3
    expected = _predict(model, pairs)
    np.testing.assert_array_equal(out["rating"], expected)
    assert out["rating"].between(0.0, 5.5).all()


def test_unseen_ids_are_predicted_from_the_known_side(served):
    pyfunc, model = served
    out = pyfunc.predict(None, pd.DataFrame({"userId": [99, 10, 99], "movieId": [100, 999, 999]}))["rating"]
    # unseen ids take the reserved index 0 (zero factors and bias): an unknown user gets the
    # movie's bias alone, an unknown pair the middle of the range
    with torch.no_grad():
        expected = model.net(torch.tensor([[0, 1], [1, 0], [0, 0]])).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out[2] == pytest.approx(sum(CFG.rating_range) / 2)


def test_pairs_without_both_ids_are_an_error(served):
    _, model = served
    with pytest.raises(EmbedlabError, match="lack column.*movieId"):
        predict_pairs(model, pd.DataFrame({"userId": [10]}))
