"""For the params tests of every task: a params tree with one value changed, and the error a
config loader raises for a tree."""
from __future__ import annotations

import copy
from typing import Callable

import pytest

from embedlab.errors import EmbedlabError


def changed(tree: dict, dotted: str, value) -> dict:
    """A deep copy of `tree` with the value at `dotted` (e.g. "train.lr") replaced."""
    tree = copy.deepcopy(tree)
    *path, last = dotted.split(".")
    node = tree
    for part in path:
        node = node[part]
    node[last] = value
    return tree


def config_error(load_config: Callable[[dict], object], tree: dict) -> str:
    """The message of the EmbedlabError `load_config(tree)` must raise."""
    with pytest.raises(EmbedlabError) as info:
        load_config(tree)
    return str(info.value)
