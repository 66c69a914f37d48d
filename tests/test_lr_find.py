"""The learning-rate range test on small synthetic regressions: its suggestion against the rate
that really trains best (measured here by training at each rate of a grid), the stop rule, and the
weights it must leave as it found them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from embedlab.errors import EmbedlabError
from embedlab.lr_find import CLEAR_FALL, FinderConfig, fall_over_noise, range_test, shown, suggest
from embedlab.training import Batches, fit, seed_everything

CPU = torch.device("cpu")


class Net(nn.Module):
    def __init__(self, batchnorm: bool = False):
        super().__init__()
        norm = [nn.BatchNorm1d(32)] if batchnorm else []
        self.layers = nn.Sequential(nn.Linear(10, 32), *norm, nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 1))

    def forward(self, x):
        return self.layers(x).squeeze(1)


def regression(seed: int, n: int = 4000) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x, w = torch.randn(n, 10, generator=g), torch.randn(10, 1, generator=g)
    return x, (2 * torch.tanh(x @ w) + 0.1 * torch.randn(n, 1, generator=g)).squeeze(1)


def batches(x, y, seed=0):
    return Batches(x, y, batch_size=32, shuffle=True, seed=seed)


def finder(**changes) -> FinderConfig:
    return FinderConfig(**{"start_lr": 1e-6, "end_lr": 10.0, "batches": 100, "smoothing": 0.98, "diverge": 4.0,
                           **changes})


@pytest.mark.parametrize("seed", [0, 1])
def test_the_suggestions_land_near_the_rate_that_trains_best(seed):
    x, y = regression(seed)
    train, valid = (x[:3000], y[:3000]), (x[3000:], y[3000:])
    seed_everything(seed)
    found = range_test(Net(), batches(*train), nn.MSELoss(), finder(), device=CPU, weight_decay=0.0)

    def valid_loss(lr: float) -> float:  # an epoch from the same start, as a user would try the rate
        seed_everything(seed)
        history = fit(Net(), batches(*train), Batches(*valid, batch_size=1000, shuffle=False), nn.MSELoss(),
                      epochs=1, lr=lr, weight_decay=0.0, device=CPU)
        return history[-1]["valid_loss"]

    grid = [float(lr) for lr in 10 ** np.arange(-4, 0.6, 0.5)]
    losses = {lr: valid_loss(lr) for lr in grid}
    best = min(losses, key=losses.get)
    assert losses[best] < 0.5 * losses[grid[0]]  # the grid does hold rates that train and some that do not
    for name, lr in (("steepest", found.steepest), ("minimum / 10", found.min_over_10)):
        assert best / 5 <= lr <= best * 5, f"{name} {lr:.2g} is far from the best rate {best:.2g}: {losses}"


def test_the_stop_rule_ends_the_test_once_the_loss_diverges():
    x, y = regression(0)
    seed_everything(0)
    found = range_test(Net(), batches(x, y), nn.MSELoss(), finder(end_lr=1e4, batches=400), device=CPU,
                       weight_decay=0.0)
    assert found.diverged and len(found.curve) < 400
    # it stopped at the first step whose smoothed loss went past 4x the lowest before it
    assert found.curve["loss"].max() <= 4 * found.curve["loss"].min()
    lr = found.curve["lr"].to_numpy()
    assert lr[0] == pytest.approx(1e-6) and np.allclose(lr[1:] / lr[:-1], (1e4 / 1e-6) ** (1 / 399))


def test_the_cap_on_steps_ends_a_test_that_never_diverges():
    x, y = regression(0)
    seed_everything(0)
    found = range_test(Net(), batches(x, y), nn.MSELoss(), finder(end_lr=1e-2, batches=60), device=CPU,
                       weight_decay=0.0)
    assert not found.diverged and len(found.curve) == 60
    assert found.curve["lr"].iloc[-1] == pytest.approx(1e-2)


@pytest.mark.parametrize("end_lr", [10.0, 1e6])  # the second one blows up to inf/NaN
def test_weights_and_batchnorm_statistics_are_put_back(end_lr):
    x, y = regression(0)
    seed_everything(0)
    net = Net(batchnorm=True)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    try:
        range_test(net, batches(x, y), nn.MSELoss(), finder(end_lr=end_lr, batches=200), device=CPU,
                   weight_decay=0.1)
    except EmbedlabError:  # a curve too short to read is an answer too; the weights matter here
        pass
    after = net.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before), "the range test changed the model"


def test_discriminative_groups_scale_below_the_recorded_rate():
    """The rate recorded is the last group's; a group at ratio 0 (frozen, in effect) does not move."""
    x, y = regression(0)
    seed_everything(0)
    net = Net()
    first, last = list(net.layers[0].parameters()), list(net.layers[-1].parameters())
    probe_first = [p.clone() for p in first]
    seen = []
    hook = net.layers[0].register_forward_pre_hook(lambda *_: seen.append([p.clone() for p in first]))
    found = range_test(net, batches(x, y), nn.MSELoss(), finder(end_lr=1.0, batches=40), device=CPU,
                       weight_decay=0.0, groups=[first, last], ratios=[0.0, 1.0])
    hook.remove()
    assert found.curve["lr"].iloc[0] == pytest.approx(1e-6)
    assert all(torch.equal(a, b) for step in seen for a, b in zip(step, probe_first))


def test_a_curve_that_diverges_at_once_is_a_clear_error():
    with pytest.raises(EmbedlabError, match="lower lr_find.start_lr"):
        suggest(np.geomspace(1, 10, 12), np.linspace(1, 2, 12))


def test_a_curve_that_only_rises_suggests_its_first_shown_rate_as_unclear():
    # a classifier stage that starts where the one before it left off: no rate does better
    lr = np.geomspace(1e-6, 10, 100)
    curve = pd.DataFrame({"lr": lr, "raw_loss": np.linspace(1, 2, 100), "loss": np.linspace(1, 2, 100)})
    first_shown = lr[shown(100)][0]
    assert suggest(lr, curve["loss"].to_numpy()) == (first_shown, first_shown)
    assert fall_over_noise(curve, 0.98) == 0.0


@pytest.mark.parametrize("changes, message", [({"start_lr": 1.0, "end_lr": 0.1}, "start_lr < end_lr"),
                                              ({"batches": 5}, "batches"), ({"smoothing": 1.0}, "smoothing"),
                                              ({"diverge": 1.0}, "diverge")])
def test_settings_that_cannot_work_are_refused(changes, message):
    with pytest.raises(EmbedlabError, match=message):
        finder(**changes)


def _smoothed(raw: np.ndarray, beta: float = 0.98) -> list[float]:
    average, out = 0.0, []
    for step, loss in enumerate(raw, start=1):
        average = beta * average + (1 - beta) * loss
        out.append(average / (1 - beta ** step))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_a_flat_noisy_curve_is_not_read_as_a_fall(seed):
    """Batch losses that never fall, only scatter: the suggestions would read noise, and say so."""
    raw = 1 + 0.3 * np.random.default_rng(seed).standard_normal(300)
    curve = pd.DataFrame({"step": np.arange(1, 301), "lr": np.geomspace(1e-6, 10, 300), "raw_loss": raw,
                          "loss": _smoothed(raw)})
    assert fall_over_noise(curve, 0.98) < CLEAR_FALL


def test_a_model_that_learns_is_read_as_a_clear_fall():
    x, y = regression(0)
    seed_everything(0)
    found = range_test(Net(), batches(x, y), nn.MSELoss(), finder(), device=CPU, weight_decay=0.0)
    assert found.clear and found.summary()["clear"] is True
