"""The tour's overrides and name check; the cost record a training leaves."""
from __future__ import annotations

import json

import pytest
import torch

from embedlab import cost, params, tour
from embedlab.project import project_root


def test_overrides_flatten_nested_and_dotted_keys_as_yaml_values():
    section = {"rossmann.train.epochs": 2, "imdb": {"classifier": {"epochs": [1, 1, 1]}, "lm.max_tokens": None}}
    assert tour.overrides(section) == ["rossmann.train.epochs=2", "imdb.classifier.epochs=[1, 1, 1]",
                                       "imdb.lm.max_tokens=null"]


def test_every_committed_tour_key_overrides_an_existing_param():
    # dvc exp run -S refuses a key that params.yaml lacks; catch a renamed param here, not in a tour
    all_params = params.load(project_root() / "params.yaml")
    for override in tour.overrides(params.section(all_params, "tour")):
        params.section(all_params, override.split("=")[0])


def test_only_tour_names_are_tours():
    assert tour.is_tour("tour-20261201-101500")
    assert not tour.is_tour("lr-high") and not tour.is_tour(None) and not tour.is_tour("my-tour")


def test_a_name_that_is_not_a_tours_is_refused(monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["embedlab-tour", "--name", "quick"])
    with pytest.raises(SystemExit) as exit:
        tour.cli()
    assert exit.value.code == 1 and "starts with 'tour-'" in capsys.readouterr().err


def test_cost_is_written_when_the_block_succeeds(tmp_path):
    path = tmp_path / "eval" / "cost.json"
    with cost.recorded(path, torch.device("cpu")):
        torch.ones(64 << 20)  # 256 MiB, written
    record = json.loads(path.read_text())
    assert set(record) == {"training_seconds", "torch_threads", "cpu", "device", "peak_memory_mb"}
    assert record["peak_memory_mb"] >= 256
    assert record["device"] == "cpu" and record["torch_threads"] == torch.get_num_threads()
    assert record["cpu"] == cost.cpu_name() != ""


def test_no_cost_is_written_when_the_block_fails(tmp_path):
    path = tmp_path / "cost.json"
    with pytest.raises(RuntimeError), cost.recorded(path, torch.device("cpu")):
        raise RuntimeError("training failed")
    assert not path.exists()
