"""rossmann.model: embedding sizes by hand, and the network's shapes, range and dropout."""
from __future__ import annotations

import pytest
import torch

from embedlab.rossmann.model import TabularNet, embedding_size


# lesson: min(50, (n + 1) // 2)
@pytest.mark.parametrize("n,width", [(1, 1), (2, 1), (3, 2), (4, 2), (8, 4), (13, 7), (97, 49), (98, 49),
                                     (99, 50), (100, 50), (1116, 50)])
def test_embedding_size_lesson(n, width):
    assert embedding_size(n, "lesson") == width


# fastai: min(600, round(1.6 * n ** 0.56)), worked with logarithms:
#   1 -> 1.6 -> 2;  2 -> 1.6 * 1.474 = 2.36 -> 2;  4 -> 1.6 * 2.174 = 3.48 -> 3;  10 -> 1.6 * 3.631 = 5.81 -> 6
#   100 -> 1.6 * 13.18 = 21.09 -> 21;  201 -> 1.6 * 19.49 = 31.19 -> 31;  1000 -> 1.6 * 47.86 = 76.6 -> 77
#   1116 -> 1.6 * 50.90 = 81.4 -> 81;  100000 -> 1.6 * 631 = 1009 -> capped at 600
@pytest.mark.parametrize("n,width", [(1, 2), (2, 2), (4, 3), (10, 6), (100, 21), (201, 31), (1000, 77),
                                     (1116, 81), (100_000, 600)])
def test_embedding_size_fastai(n, width):
    assert embedding_size(n, "fastai") == width


def net(cardinalities=(3, 9, 200), n_cont=3, rule="lesson", emb_dropout=0.0, layers=(8, 4),
        dropouts=(0.0, 0.0), y_range=(0.0, 10.0), **options) -> TabularNet:
    torch.manual_seed(0)
    return TabularNet(list(cardinalities), n_cont, emb_size_rule=rule, emb_dropout=emb_dropout,
                      layers=list(layers), dropouts=list(dropouts), y_range=y_range, **options)


def inputs(n=64, cardinalities=(3, 9, 200), n_cont=3, scale=1.0, seed=1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    codes = [torch.randint(0, c + 1, (n, 1), generator=g).float() for c in cardinalities]  # 0..c
    return torch.cat([*codes, scale * torch.randn(n, n_cont, generator=g)], dim=1)


@pytest.mark.parametrize("rule,widths", [("lesson", [2, 5, 50]), ("fastai", [3, 6, 31])])
def test_embeddings_one_per_column_with_a_slot_for_unknown(rule, widths):
    # cardinalities 3, 9, 200 -> 4, 10, 201 rows (code 0 = missing/unseen); widths from n + 1
    model = net(rule=rule)
    assert len(model.embeds) == 3
    assert [e.num_embeddings for e in model.embeds] == [4, 10, 201]
    assert [e.embedding_dim for e in model.embeds] == widths
    first = model.layers[0]
    assert first.in_features == sum(widths) + 3
    assert [m.out_features for m in model.layers if isinstance(m, torch.nn.Linear)] == [8, 4, 1]


def test_output_shape_and_highest_codes():
    model = net().eval()
    x = inputs()
    x[0, :3] = torch.tensor([3.0, 9.0, 200.0])  # the largest valid code of each column
    x[1, :3] = 0.0
    out = model(x)
    assert out.shape == (64,)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("y_range", [(0.0, 10.0), (2.0, 5.0)])
def test_output_inside_y_range(y_range):
    model = net(y_range=y_range).eval()
    low, high = y_range
    out = model(inputs())
    assert ((out >= low) & (out <= high)).all()
    for push, tail in ((1e4, high), (-1e4, low)):  # far into the sigmoid's tails, both ways
        with torch.no_grad():
            model.layers[-1].weight.zero_()
            model.layers[-1].bias.fill_(push)
        assert torch.allclose(model(inputs()), torch.tensor(tail))


def test_dropout_is_on_in_training_and_off_in_eval():
    x = inputs()
    model = net(emb_dropout=0.5, dropouts=(0.5, 0.5))
    model.train()
    torch.manual_seed(1)
    a = model(x)
    b = model(x)
    assert not torch.allclose(a, b)
    model.eval()
    with torch.no_grad():
        c, d = model(x), model(x)
    assert torch.equal(c, d)


def test_without_dropout_training_mode_repeats():
    # a control for the test above: with every p = 0 two training-mode passes agree, so the
    # difference there comes from dropout and not from batch-norm or anything else
    x = inputs()
    model = net(emb_dropout=0.0, dropouts=(0.0, 0.0)).train()
    assert torch.equal(model(x), model(x))


def test_embedding_dropout_alone_changes_training_outputs():
    x = inputs()
    model = net(emb_dropout=0.5, dropouts=(0.0, 0.0))
    with torch.no_grad():
        for emb in model.embeds:
            emb.weight.normal_(0, 1.0)  # big enough for dropping them to matter
    model.train()
    assert not torch.allclose(model(x), model(x))


def test_batchnorm_follows_each_hidden_layer_only_when_asked():
    def norms(model):
        return [m.num_features for m in model.layers if isinstance(m, torch.nn.BatchNorm1d)]

    assert norms(net()) == []
    with_bn = net(batchnorm=True)
    assert norms(with_bn) == [8, 4]
    kinds = [type(m).__name__ for m in with_bn.layers]
    assert kinds == ["Linear", "ReLU", "BatchNorm1d", "Dropout"] * 2 + ["Linear"]
    out = with_bn.train()(inputs())
    assert out.shape == (64,) and torch.isfinite(out).all()


def test_embedding_inits():
    lesson = net(cardinalities=(3, 9, 2000), emb_init="lesson")
    for emb in lesson.embeds:  # uniform in +-2 / (width + 1)
        assert emb.weight.abs().max() <= 2 / (emb.embedding_dim + 1)
    big = lesson.embeds[2].weight  # 2001 x 50 draws fill the range: +-2/51
    assert big.abs().max() > 0.99 * 2 / 51 and abs(big.std().item() - 2 / 51 / 3 ** 0.5) < 0.001
    fastai = net(cardinalities=(3, 9, 2000), emb_init="fastai")
    big = fastai.embeds[2].weight  # 2001 x 50 draws: a normal of deviation 0.01
    assert abs(big.std().item() - 0.01) < 0.0005 and abs(big.mean().item()) < 0.0005


def test_under_bfloat16_autocast_the_output_keeps_float32_precision():
    # log sales live near 8-10, where bfloat16's steps are 1/16: up to 3% off in sales
    model = net(y_range=(0.0, 12.0)).eval()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(inputs())
    assert out.dtype == torch.float32
    off_grid = out.to(torch.bfloat16).float() != out
    assert off_grid.float().mean() > 0.9  # not float32 numbers that were rounded to bfloat16 first
