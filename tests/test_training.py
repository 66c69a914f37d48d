"""training.Batches and training.fit on tiny tensors."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from embedlab.errors import EmbedlabError
from embedlab import training
from embedlab.training import Batches, fit, predict, seed_everything, wants_bf16

CPU = torch.device("cpu")


def order_of(batches: Batches) -> list[int]:
    return [int(v) for (x,) in batches for v in x]


@pytest.mark.parametrize("n,bs,expected", [(10, 3, 4), (9, 3, 3), (1, 5, 1), (5, 1, 5), (0, 4, 0)])
def test_len_is_ceil(n, bs, expected):
    assert len(Batches(torch.arange(n), batch_size=bs, shuffle=True)) == expected
    assert len(list(Batches(torch.arange(n), batch_size=bs, shuffle=False))) == expected


def test_unshuffled_is_in_order_with_short_last_batch():
    x, y = torch.arange(7), torch.arange(7) * 10
    got = [(a.tolist(), b.tolist()) for a, b in Batches(x, y, batch_size=3, shuffle=False)]
    assert got == [([0, 1, 2], [0, 10, 20]), ([3, 4, 5], [30, 40, 50]), ([6], [60])]


def test_every_row_once_per_pass_and_reshuffled():
    n = 50
    x, y = torch.arange(n), torch.arange(n) * 2
    batches = Batches(x, y, batch_size=8, shuffle=True, seed=3)
    passes = []
    for _ in range(3):
        seen = []
        for bx, by in batches:
            assert len(bx) <= 8
            assert torch.equal(by, bx * 2)  # tensors stay aligned
            seen += bx.tolist()
        assert sorted(seen) == list(range(n))
        passes.append(seen)
    assert passes[0] != list(range(n))
    assert passes[0] != passes[1] and passes[1] != passes[2]


def test_same_seed_same_order_other_seed_differs():
    x = torch.arange(40)
    a, b = Batches(x, batch_size=6, shuffle=True, seed=7), Batches(x, batch_size=6, shuffle=True, seed=7)
    c = Batches(x, batch_size=6, shuffle=True, seed=8)
    first = [order_of(a), order_of(a)]
    assert [order_of(b), order_of(b)] == first
    assert order_of(c) != first[0]


def test_order_ignores_global_rng():
    x = torch.arange(30)
    torch.manual_seed(1)
    a = order_of(Batches(x, batch_size=4, shuffle=True, seed=5))
    torch.manual_seed(999)
    torch.rand(10)
    b = order_of(Batches(x, batch_size=4, shuffle=True, seed=5))
    assert a == b


def _line_data():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 1, generator=g) * 2 - 1
    y = (3 * x + 1).squeeze(1)
    return x, y


class Line(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(1, 1)

    def forward(self, x):
        return self.lin(x).squeeze(1)


def _fit(epochs=6, bf16=False):
    seed_everything(0)
    model = Line()
    x, y = _line_data()
    train = Batches(x[:48], y[:48], batch_size=8, shuffle=True, seed=0)
    valid = Batches(x[48:], y[48:], batch_size=5, shuffle=False)
    rows = []
    history = fit(model, train, valid, nn.MSELoss(), epochs=epochs, lr=0.3, weight_decay=0.0, device=CPU,
                  metrics={"rmse": lambda t, p: float(((t - p) ** 2).mean() ** 0.5)}, on_epoch=rows.append,
                  bf16=bf16)
    return model, history, rows, valid


def test_fit_lowers_loss_and_reports_each_epoch():
    x, y = _line_data()
    seed_everything(0)
    start_loss = nn.MSELoss()(Line()(x[48:]), y[48:]).item()  # the same initial weights fit starts from
    model, history, rows, valid = _fit()
    assert [r["epoch"] for r in history] == [1, 2, 3, 4, 5, 6]
    assert rows == history  # on_epoch sees every row
    for row in history:
        assert set(row) == {"epoch", "train_loss", "valid_loss", "rmse"}
        # valid_loss is the MSE over all validation rows, so the RMSE metric is its square root
        assert row["rmse"] == pytest.approx(math.sqrt(row["valid_loss"]), rel=1e-4)
    assert history[-1]["valid_loss"] < start_loss / 10
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    # it learned y = 3x + 1
    assert model.lin.weight.item() == pytest.approx(3.0, abs=0.3)
    assert model.lin.bias.item() == pytest.approx(1.0, abs=0.3)
    pred, target = predict(model, valid, CPU)
    assert pred.shape == target.shape == (16,)
    assert torch.equal(torch.from_numpy(target), y[48:])


def test_fit_same_seed_same_history():
    _, h1, _, _ = _fit(epochs=3)
    _, h2, _, _ = _fit(epochs=3)
    assert h1 == h2


def test_fit_in_bf16_learns_reproducibly_and_really_runs_in_bf16():
    model, history, _, valid = _fit(bf16=True)
    assert model.lin.weight.dtype == torch.float32  # autocast computes in bf16, keeps fp32 weights
    assert model.lin.weight.item() == pytest.approx(3.0, abs=0.3)
    assert model.lin.bias.item() == pytest.approx(1.0, abs=0.3)
    assert _fit(bf16=True)[1] == history
    assert history != _fit()[1]  # bf16's rounding shows: the autocast was on
    fp32, _ = predict(model, valid, CPU)
    bf16, _ = predict(model, valid, CPU, bf16=True)
    assert not np.array_equal(fp32, bf16)
    np.testing.assert_allclose(bf16, fp32, atol=0.05)


def test_wants_bf16_obeys_an_explicit_choice_and_auto_asks_the_hardware():
    native = "avx512_bf16" in _cpu_flags() or "amx_tile" in _cpu_flags()
    assert not wants_bf16("fp32", CPU)
    assert wants_bf16("auto", CPU) == native
    if native:
        assert wants_bf16("bf16", CPU)
    else:  # a clear error, not oneDNN's "could not create a primitive descriptor" deep in an LSTM
        with pytest.raises(EmbedlabError, match="precision bf16 needs .* AVX512-BF16 or AMX"):
            wants_bf16("bf16", CPU)


def _cpu_flags() -> set[str]:  # Linux's view of the CPU, independent of torch's
    with open("/proc/cpuinfo") as f:
        return {flag for line in f if line.startswith("flags") for flag in line.split(":")[1].split()}


def test_fit_without_metrics():
    seed_everything(0)
    x, y = _line_data()
    history = fit(Line(), Batches(x, y, batch_size=8, shuffle=True), Batches(x, y, batch_size=64, shuffle=False),
                  nn.MSELoss(), epochs=1, lr=0.01, weight_decay=0.01, device=CPU)
    assert list(history[0]) == ["epoch", "train_loss", "valid_loss"]


@pytest.mark.parametrize("epochs,batch_size", [(1, 16), (4, 64), (2, 32)])  # 4 optimizer steps in all
def test_fit_with_four_steps_in_all(epochs, batch_size):
    seed_everything(0)
    x, y = _line_data()
    history = fit(Line(), Batches(x, y, batch_size=batch_size, shuffle=True),
                  Batches(x, y, batch_size=64, shuffle=False), nn.MSELoss(), epochs=epochs, lr=0.01,
                  weight_decay=0.0, device=CPU)
    assert len(history) == epochs


def test_on_step_gets_the_loss_averaged_over_each_window_of_steps(monkeypatch):
    monkeypatch.setattr(training, "STEP_LOG_EVERY", 4)
    seed_everything(0)
    x, y = _line_data()
    train = Batches(x[:48], y[:48], batch_size=5, shuffle=True, seed=0)  # 10 steps an epoch, the last short
    windows = []
    history = fit(Line(), train, Batches(x[48:], y[48:], batch_size=5, shuffle=False), nn.MSELoss(), epochs=2,
                  lr=0.3, weight_decay=0.0, device=CPU, on_step=lambda loss, steps: windows.append((loss, steps)))
    assert [steps for _, steps in windows] == [4, 4, 2, 4, 4, 2]  # an epoch's last window is flushed
    # with a window of every step, the points are the batch losses, whose size-weighted mean is the epoch's
    monkeypatch.setattr(training, "STEP_LOG_EVERY", 1)
    seed_everything(0)
    points = []
    again = fit(Line(), Batches(x[:48], y[:48], batch_size=5, shuffle=True, seed=0),
                Batches(x[48:], y[48:], batch_size=5, shuffle=False), nn.MSELoss(), epochs=2, lr=0.3,
                weight_decay=0.0, device=CPU, on_step=lambda loss, steps: points.append(loss))
    assert again == history  # logging changes nothing that is learned
    sizes = [5] * 9 + [3]
    assert np.average(points[:10], weights=sizes) == pytest.approx(history[0]["train_loss"], rel=1e-6)
    assert windows[0][0] == pytest.approx(np.mean(points[:4]), rel=1e-6)


def test_without_a_terminal_progress_lines_reach_the_log(monkeypatch, capsys):
    monkeypatch.setattr(training, "PROGRESS_SECONDS", 0.0)  # a line after every step
    _fit(epochs=1)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch 1/1")]
    assert len(lines) == 6  # 48 rows in batches of 8, under pytest's captured (non-tty) stderr
    assert "6/6" in lines[-1] and "loss=" in lines[-1] and "it/s" in lines[-1]
