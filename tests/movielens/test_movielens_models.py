"""movielens.models: id encoding, the two models' outputs, the zero padding row."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from embedlab.movielens.config import TrainConfig
from embedlab.movielens.models import DotBias, NeuralCF, build_model, encode, make_vocab, sigmoid_range


def test_make_vocab_sorted_distinct():
    assert make_vocab(np.array([30, 10, 20, 10, 30])).tolist() == [10, 20, 30]


def test_encode_known_and_unseen():
    vocab = np.array([10, 20, 30])
    ids = np.array([5, 10, 15, 20, 25, 30, 35, 10])
    got = encode(ids, vocab)
    assert got.tolist() == [0, 1, 0, 2, 0, 3, 0, 1]
    assert got.dtype == np.int64


def test_encode_int32_ids_against_int64_vocab():
    vocab = make_vocab(np.array([3, 1, 2], dtype=np.int64))
    assert encode(np.array([2, 4, 1], dtype=np.int32), vocab).tolist() == [2, 0, 1]


def test_sigmoid_range_hand_computed():
    x = torch.tensor([0.0, 2.0, -100.0, 100.0])
    got = sigmoid_range(x, 0.5, 5.0)
    expected = [0.5 + 4.5 / (1 + math.exp(-v)) for v in (0.0, 2.0)]
    assert got[0].item() == pytest.approx(expected[0])  # 2.75, the middle
    assert got[1].item() == pytest.approx(expected[1])
    assert got[2].item() == pytest.approx(0.5)
    assert got[3].item() == pytest.approx(5.0)


def _pairs(n_users: int, n_items: int) -> torch.Tensor:
    u, i = torch.meshgrid(torch.arange(n_users + 1), torch.arange(n_items + 1), indexing="ij")
    return torch.stack([u.ravel(), i.ravel()], dim=1)  # includes the unseen index 0


@pytest.mark.parametrize("make", [
    lambda: DotBias(4, 5, 3, (0.5, 5.0)),
    lambda: NeuralCF(4, 5, 3, 6, 0.1, 0.5, (0.5, 5.0)),
])
def test_output_shape_and_range(make):
    torch.manual_seed(0)
    model = make()
    with torch.no_grad():  # make outputs large so they hit the edges of the range
        for p in model.parameters():
            p.mul_(1000.0)
    model.eval()
    x = _pairs(4, 5)
    out = model(x)
    assert out.shape == (len(x),)
    assert ((out >= 0.5) & (out <= 5.0)).all()


@pytest.mark.parametrize("make", [
    lambda: DotBias(3, 4, 2, (0.0, 5.5)),
    lambda: NeuralCF(3, 4, 2, 4, 0.0, 0.0, (0.0, 5.5)),
])
def test_padding_row_stays_zero(make):
    torch.manual_seed(0)
    model = make()
    opt = torch.optim.AdamW(model.parameters(), lr=0.1, weight_decay=0.5)
    x = _pairs(3, 4)
    y = torch.linspace(0.5, 5.0, len(x))
    for _ in range(5):
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    embeddings = [m for m in model.modules() if isinstance(m, torch.nn.Embedding)]
    assert len(embeddings) == (4 if isinstance(model, DotBias) else 2)
    for emb in embeddings:
        assert torch.equal(emb.weight[0], torch.zeros_like(emb.weight[0]))
        assert emb.weight[1:].abs().sum() > 0  # the rest did train


def test_dotbias_hand_set_weights():
    model = DotBias(2, 1, 2, (0.5, 5.0))
    with torch.no_grad():
        model.user.weight[1] = torch.tensor([1.0, 2.0])
        model.user.weight[2] = torch.tensor([0.0, -1.0])
        model.item.weight[1] = torch.tensor([3.0, -1.0])
        model.user_bias.weight[1, 0] = 0.5
        model.user_bias.weight[2, 0] = 0.0
        model.item_bias.weight[1, 0] = -0.25
    x = torch.tensor([[1, 1], [2, 1], [0, 1], [1, 0]])
    got = model(x).detach().tolist()
    # user 1 . item 1 = 3 - 2 = 1, + 0.5 - 0.25 = 1.25;  user 2: 0 + 1 + 0 - 0.25 = 0.75
    # unseen user: 0 + 0 - 0.25;  unseen item: 0 + 0.5 + 0
    for raw, value in zip([1.25, 0.75, -0.25, 0.5], got):
        assert value == pytest.approx(0.5 + 4.5 / (1 + math.exp(-raw)), abs=1e-6)


def test_build_model_picks_class():
    base = dict(n_factors=3, hidden=4, emb_dropout=0.1, hidden_dropout=0.2, rating_range=(0.5, 5.0),
                epochs=1, batch_size=4, lr=0.01, weight_decay=0.0, seed=0)
    dot = build_model(TrainConfig(model="dot", **base), 7, 9)
    assert isinstance(dot, DotBias)
    assert dot.user.weight.shape == (8, 3) and dot.item.weight.shape == (10, 3)
    assert dot.item_bias.weight.shape == (10, 1)
    neural = build_model(TrainConfig(model="neural", **base), 7, 9)
    assert isinstance(neural, NeuralCF)
    assert neural.user.weight.shape == (8, 3)
    assert neural.head[1].in_features == 6 and neural.head[1].out_features == 4
    assert neural.head[0].p == 0.1 and neural.head[3].p == 0.2
