"""One source per default: params.yaml. Config classes declare none, runs and model files from
before an option existed are rebuilt from params.LEGACY_DEFAULTS, and config modules stay light."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from embedlab import params
from embedlab.imdb.config import ImdbConfig
from embedlab.imdb.config import load_config as imdb_config
from embedlab.movielens.config import MovieLensConfig
from embedlab.movielens.config import load_config as movielens_config
from embedlab.rossmann.config import RossmannConfig
from embedlab.rossmann.config import load_config as rossmann_config

ROOT = Path(__file__).resolve().parents[1]
TASKS = {"movielens": (MovieLensConfig, movielens_config), "rossmann": (RossmannConfig, rossmann_config),
         "imdb": (ImdbConfig, imdb_config)}


@pytest.mark.parametrize("task", TASKS)
def test_config_classes_declare_no_defaults(task):
    import typing

    todo, seen = [TASKS[task][0]], []
    while todo:
        cls = todo.pop()
        seen.append(cls)
        for f in dataclasses.fields(cls):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, \
                f"{cls.__name__}.{f.name} has a default of its own; params.yaml is the one source"
        todo += [h for h in typing.get_type_hints(cls).values() if dataclasses.is_dataclass(h) and h not in seen]
    assert len(seen) >= 4  # the task's config and its sections were all looked at


@pytest.mark.parametrize("task", TASKS)
def test_params_yaml_gives_every_key(task):
    _, load = TASKS[task]
    load(params.load(ROOT / "params.yaml"))  # build() refuses a missing key


def test_legacy_defaults_fill_only_what_an_old_tree_lacks():
    old_run = {"rossmann": {"train": {"lr": 0.001, "batchnorm": True}}, "imdb": {"vocab": {"seed": 1}}}
    filled = params.with_legacy_defaults(old_run)
    assert filled["rossmann"]["train"] == {"lr": 0.001, "batchnorm": True, "max_train_rows": None,
                                           "sgdr_after": None, "betas": [0.9, 0.99], "emb_init": "lesson",
                                           "ensemble": 1, "precision": "fp32"}
    assert filled["imdb"]["vocab"] == {"seed": 1, "labelled_reviews": None}
    assert "lm" not in filled["imdb"] and "movielens" not in filled  # no section is invented
    assert old_run["rossmann"]["train"] == {"lr": 0.001, "batchnorm": True}  # the input is left alone
    section = params.with_legacy_defaults({"precision": "bf16"}, "imdb.lm")
    assert section == {"precision": "bf16"}
    assert params.with_legacy_defaults({}, "imdb.classifier") == {"precision": "fp32", "nbsvm_weight": 0.0}


def test_every_legacy_default_names_a_real_key():
    tree = params.load(ROOT / "params.yaml")
    for dotted in params.LEGACY_DEFAULTS:
        params.section(tree, dotted)  # raises for a key params.yaml no longer has


def test_config_modules_import_neither_mlflow_nor_plotting():
    code = ("import sys\n"
            "import embedlab.movielens.config, embedlab.rossmann.config, embedlab.imdb.config\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mlflow', 'matplotlib', 'torch')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
