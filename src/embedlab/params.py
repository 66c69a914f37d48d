"""params.yaml -> typed, checked config objects, and the flat `section.key` view MLflow logs.

params.yaml is the one source of every default: config dataclasses declare no defaults. Runs and
model files from before an option existed lack its key; they are rebuilt with LEGACY_DEFAULTS,
what the code did before the option was added."""
from __future__ import annotations

import copy
import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

import yaml

from embedlab.errors import EmbedlabError

T = TypeVar("T")

LEGACY_DEFAULTS: dict[str, Any] = {
    "rossmann.train.max_train_rows": None,
    "rossmann.train.sgdr_after": None,
    "rossmann.train.betas": [0.9, 0.99],
    "rossmann.train.batchnorm": False,
    "rossmann.train.emb_init": "lesson",
    "rossmann.train.ensemble": 1,
    "rossmann.train.precision": "fp32",
    "imdb.vocab.labelled_reviews": None,
    "imdb.lm.precision": "fp32",
    "imdb.classifier.precision": "fp32",
    "imdb.classifier.nbsvm_weight": 0.0,
}


def load(path: str | Path = "params.yaml") -> dict:
    try:
        with open(path) as f:
            return yaml.safe_load(f) or {}
    except FileNotFoundError:
        raise EmbedlabError(f"{path} not found; run from the project root") from None
    except yaml.YAMLError as exc:
        raise EmbedlabError(f"{path} is not valid YAML: {exc}".replace("\n", " ")) from None


def section(params: dict, dotted: str) -> Any:
    node: Any = params
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise EmbedlabError(f"params.yaml has no '{dotted}' (missing '{part}')")
        node = node[part]
    return node


def with_legacy_defaults(data: dict, where: str = "") -> dict:
    """`data`, the params tree or its section at dotted path `where`, with each LEGACY_DEFAULTS key
    it lacks filled in (only inside sections it has)."""
    data = copy.deepcopy(data)
    prefix = f"{where}." if where else ""
    for dotted, value in LEGACY_DEFAULTS.items():
        if not dotted.startswith(prefix):
            continue
        *parents, last = dotted[len(prefix):].split(".")
        node = data
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and last not in node:
            node[last] = value
    return data


def flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return build(hint, value, where)
    if origin is Literal:
        if value not in get_args(hint):
            choices = ", ".join(repr(a) for a in get_args(hint))
            raise EmbedlabError(f"{where} must be one of {choices}, got {value!r}")
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in get_args(hint):
            return None
        inner = [a for a in get_args(hint) if a is not type(None)]
        return _coerce(value, inner[0], where)
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise EmbedlabError(f"{where} must be a list, got {value!r}")
        args = get_args(hint)
        item = args[0] if args else Any
        return tuple(_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool) and (type(value) is not hint):
        raise EmbedlabError(f"{where} must be {hint.__name__}, got {value!r}")
    return value


def build(cls: type[T], data: Any, where: str) -> T:
    """A dataclass from a params mapping: unknown or missing keys and wrong types are errors."""
    if not isinstance(data, dict):
        raise EmbedlabError(f"{where} must be a mapping, got {data!r}")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise EmbedlabError(f"{where} has unknown key(s) {', '.join(unknown)}; "
                            f"expected {', '.join(fields)}")
    values = {}
    for name, f in fields.items():
        if name in data:
            values[name] = _coerce(data[name], hints[name], f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise EmbedlabError(f"{where}.{name} is missing")
    return cls(**values)
