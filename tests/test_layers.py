import pytest
import torch
from torch import nn

from embedlab.layers import Dropout, dropped_positions


@pytest.mark.parametrize("p", [0.001, 0.04, 0.19])
def test_dropped_positions_are_a_bernoulli_sequence(p):
    torch.manual_seed(0)
    n, block = 2_000_000, 10_000
    positions = dropped_positions(n, p)
    assert positions.dtype == torch.int64 and positions.min() >= 0 and positions.max() < n
    assert torch.equal(positions, positions.unique())  # sorted, no repeats
    mask = torch.zeros(n)
    mask[positions] = 1
    counts = mask.view(-1, block).sum(1)  # per block: binomial(block, p)
    assert abs(counts.mean() - block * p) < 5 * (block * p * (1 - p) / len(counts)) ** 0.5
    assert counts.var() == pytest.approx(block * p * (1 - p), rel=0.3)
    # successive elements independent: a dropped element is followed by another at rate p
    both = (mask[1:] * mask[:-1]).sum() / mask[:-1].sum()
    assert abs(both - p) < 5 * (p / mask.sum()) ** 0.5 + 1e-3


def test_dropped_positions_follow_the_seed():
    torch.manual_seed(3)
    first = dropped_positions(100_000, 0.01)
    torch.manual_seed(3)
    assert torch.equal(first, dropped_positions(100_000, 0.01))
    assert not torch.equal(first, dropped_positions(100_000, 0.01))


@pytest.mark.parametrize("p", [0.01, 0.5])  # below SPARSE_DROPOUT_BELOW, and torch's own above it
def test_dropout_zeroes_and_rescales_like_torchs(p):
    torch.manual_seed(0)
    x = (torch.rand(512, 1000) + 1).requires_grad_()
    out = Dropout(p).train()(x)
    kept = out != 0
    assert abs(1 - kept.float().mean() - p) < 5 * (p * (1 - p) / x.numel()) ** 0.5
    assert torch.allclose(out[kept], x[kept] / (1 - p))
    out.sum().backward()
    assert torch.allclose(x.grad, kept.float() / (1 - p))
    assert torch.allclose(out.detach().mean(), x.detach().mean(), rtol=0.01)


def test_dropout_is_the_identity_when_evaluating_or_at_zero():
    x = torch.rand(64, 10)
    assert torch.equal(Dropout(0.3).eval()(x), x)
    assert torch.equal(Dropout(0.0).train()(x), x)
    assert not torch.equal(Dropout(0.01).train()(torch.ones(64, 1000)), torch.ones(64, 1000))
    assert "p=0.3" in repr(nn.Sequential(Dropout(0.3)))


def test_dropout_refuses_an_impossible_probability():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        Dropout(1.5)
