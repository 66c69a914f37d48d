"""rossmann.interpret: principal components of one column's embeddings."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from embedlab.rossmann import preprocess
from embedlab.rossmann.interpret import embedding_components
from embedlab.rossmann.model import TabularNet


def model_and_prep():
    train = pd.DataFrame({
        "State": ["SH", "BE", "NW", "BY", "HE", "BE", "HH", "BW"],
        "DayOfWeek": [1, 2, 3, 4, 5, 6, 7, 1],
        "x": np.arange(8.0),
    })
    prep = preprocess.fit(train, ["State", "DayOfWeek"], ["x"])
    torch.manual_seed(0)
    model = TabularNet(prep.cardinalities, prep.n_cont, emb_size_rule="lesson", emb_dropout=0.0, layers=[4],
                       dropouts=[0.0], y_range=(0.0, 1.0))
    with torch.no_grad():
        for emb in model.embeds:
            emb.weight.normal_(0, 1.0)
    return model, prep


def test_one_row_per_training_value():
    model, prep = model_and_prep()
    for column, values in [("State", ["BE", "BW", "BY", "HE", "HH", "NW", "SH"]),
                           ("DayOfWeek", [1, 2, 3, 4, 5, 6, 7])]:
        got = embedding_components(model, prep, column)
        assert list(got.columns) == [column, "pc1", "pc2"]
        assert got[column].tolist() == values
        assert np.isfinite(got[["pc1", "pc2"]].to_numpy()).all()
        # principal components: centred, the first carrying at least the second's variance
        assert abs(got["pc1"].mean()) < 1e-5 and abs(got["pc2"].mean()) < 1e-5
        assert got["pc1"].var() >= got["pc2"].var() > 0


def test_missing_or_unseen_slot_is_left_out():
    model, prep = model_and_prep()
    before = embedding_components(model, prep, "DayOfWeek")
    with torch.no_grad():
        model.embeds[1].weight[0] = 1000.0  # the code-0 row
    after = embedding_components(model, prep, "DayOfWeek")
    pd.testing.assert_frame_equal(before, after)
    with torch.no_grad():
        model.embeds[1].weight[3] += 5.0  # a real value's row: this one must show
    assert not np.allclose(embedding_components(model, prep, "DayOfWeek")[["pc1", "pc2"]], before[["pc1", "pc2"]])
