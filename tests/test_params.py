"""params.build / flatten / load / section."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal, Optional

import pytest

import config_trees
from embedlab import params
from embedlab.errors import EmbedlabError


@dataclass(frozen=True)
class Inner:
    mode: Literal["fast", "slow"]
    lr: float
    sizes: tuple[int, ...]


@dataclass(frozen=True)
class Outer:
    inner: Inner
    name: str
    steps: int
    flag: bool = False
    limit: Optional[int] = None


GOOD = {"inner": {"mode": "fast", "lr": 0.5, "sizes": [1, 2]}, "name": "x", "steps": 3}


with_ = config_trees.changed
err = partial(config_trees.config_error, lambda data: params.build(Outer, data, "task"))


def test_build_good():
    got = params.build(Outer, GOOD, "task")
    assert got == Outer(Inner("fast", 0.5, (1, 2)), "x", 3, False, None)


def test_build_int_for_float_and_list_to_tuple():
    got = params.build(Outer, with_(GOOD, "inner.lr", 2), "task")
    assert got.inner.lr == 2.0 and type(got.inner.lr) is float
    assert got.inner.sizes == (1, 2) and type(got.inner.sizes) is tuple


def test_build_optional_and_defaults():
    got = params.build(Outer, {**GOOD, "flag": True, "limit": 7}, "task")
    assert (got.flag, got.limit) == (True, 7)
    assert params.build(Outer, {**GOOD, "limit": None}, "task").limit is None


def test_unknown_key():
    msg = err({**GOOD, "stpes": 4})
    assert "task has unknown key(s) stpes" in msg
    assert "steps" in msg  # says what is expected


def test_unknown_nested_key_names_its_section():
    msg = err(with_(GOOD, "inner.momentum", 0.9))
    assert "task.inner has unknown key(s) momentum" in msg


def test_missing_key():
    data = dict(GOOD)
    del data["steps"]
    assert err(data) == "task.steps is missing"
    nested = {**GOOD, "inner": {"mode": "fast", "sizes": [1]}}
    assert err(nested) == "task.inner.lr is missing"


@pytest.mark.parametrize("dotted,value,expected", [
    ("steps", "3", "task.steps must be int, got '3'"),
    ("steps", 3.0, "task.steps must be int, got 3.0"),
    ("steps", True, "task.steps must be int, got True"),
    ("name", 5, "task.name must be str, got 5"),
    ("inner.lr", "0.1", "task.inner.lr must be float, got '0.1'"),
    ("inner.lr", True, "task.inner.lr must be float, got True"),
    ("inner.sizes", 3, "task.inner.sizes must be a list, got 3"),
    ("inner.sizes", [1, "b"], "task.inner.sizes[1] must be int, got 'b'"),
    ("inner", [1], "task.inner must be a mapping, got [1]"),
])
def test_wrong_type(dotted, value, expected):
    assert err(with_(GOOD, dotted, value)) == expected


def test_bad_literal_names_key_and_choices():
    msg = err(with_(GOOD, "inner.mode", "medium"))
    assert msg == "task.inner.mode must be one of 'fast', 'slow', got 'medium'"


def test_not_a_mapping():
    with pytest.raises(EmbedlabError, match="task must be a mapping, got None"):
        params.build(Outer, None, "task")


def test_flatten():
    tree = {"a": {"b": 1, "c": {"d": [1, 2], "e": None}}, "f": "x"}
    assert params.flatten(tree) == {"a.b": 1, "a.c.d": [1, 2], "a.c.e": None, "f": "x"}
    assert params.flatten({"k": 1}, "pre") == {"pre.k": 1}
    assert params.flatten({}) == {}


def test_section():
    tree = {"download": {"movielens": {"url": "u"}}}
    assert params.section(tree, "download.movielens.url") == "u"
    with pytest.raises(EmbedlabError, match=r"no 'download\.imdb\.url' \(missing 'imdb'\)"):
        params.section(tree, "download.imdb.url")
    with pytest.raises(EmbedlabError, match="missing 'x'"):
        params.section(tree, "download.movielens.url.x")


def test_load(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a:\n  b: 1\n  c: [1, 2.5]\n")
    assert params.load(path) == {"a": {"b": 1, "c": [1, 2.5]}}
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert params.load(empty) == {}


def test_load_missing_file(tmp_path):
    with pytest.raises(EmbedlabError, match="not found"):
        params.load(tmp_path / "nope.yaml")


def test_load_invalid_yaml(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\nb: : :\n")
    with pytest.raises(EmbedlabError) as info:
        params.load(bad)
    msg = str(info.value)
    assert "bad.yaml is not valid YAML" in msg
    assert "\n" not in msg  # one line
