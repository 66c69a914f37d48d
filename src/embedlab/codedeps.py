"""The code each stage of dvc.yaml runs, found by following its script's imports through
src/embedlab, so that a stage's deps list every module it executes and an edit re-runs it.

    embedlab-deps            # say which stages' code deps differ from their imports (exit 1 if any)
    embedlab-deps --write    # rewrite those deps in every file of DVC_FILES

Every `import` counts, also inside functions: a stage's deps may be a little wider than what one
run executes, never narrower. PLUMBING is left out: modules that decide where and how results are
written or logged, never what they are (a one-line error, an atomic rename, the project root, the
MLflow store, the download's release record, what a training cost), so that editing them re-runs nothing.
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import yaml

from embedlab.project import project_root

PACKAGE = "embedlab"
PLUMBING = frozenset(f"src/embedlab/{name}.py"
                     for name in ("errors", "atomic", "cli", "project", "tracking", "release_record", "cost"))
CODE_DIRS = ("stages/", "src/")
# the pipeline `dvc repro` runs, and the stages run on demand (their wdir is the root, so their
# paths read like dvc.yaml's)
DVC_FILES = ("dvc.yaml", "lr_find/dvc.yaml", "folds/dvc.yaml")
# run only as experiments (`dvc exp run --temp`, other data): their dvc.lock lives in the
# experiment's commit, and the workspace may have none
EXPERIMENT_ONLY = ("folds/dvc.yaml",)


def module_file(module: str, src: Path) -> Path | None:
    """src/a/b.py or src/a/b/__init__.py for module a.b, if it is one of ours."""
    base = src.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(tree: ast.AST, package: str | None) -> set[str]:
    """Every module an import statement anywhere in `tree` may load; `from a import b` names a.b
    as well as a, since b may be a module."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative to this module's package
                parts = (package or "").split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(p for p in (*parts, node.module or "") if p)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m == PACKAGE or m.startswith(PACKAGE + ".")}


def _with_parents(module: str) -> list[str]:
    """a.b.c -> a, a.b, a.b.c: importing a module runs its packages' __init__ first."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def imported_files(script: Path, src: Path) -> set[Path]:
    """The files of src/ that running `script` may execute, followed import by import."""
    seen: set[Path] = set()
    todo = [(script, None)]
    while todo:
        path, package = todo.pop()
        for module in _imported_modules(ast.parse(path.read_text(), str(path)), package):
            for name in _with_parents(module):
                found = module_file(name, src)
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append((found, name if found.name == "__init__.py" else name.rpartition(".")[0]))
    return seen


def script_of(stage: dict) -> str:
    """The stage's entry point: the .py file its cmd runs."""
    cmd = stage.get("do", stage)["cmd"]
    scripts = [word for word in cmd.split() if word.endswith(".py")]
    if len(scripts) != 1:
        raise ValueError(f"cannot tell the script of {cmd!r}")
    return scripts[0]


def is_code(dep: str) -> bool:
    return dep.startswith(CODE_DIRS)


def code_deps(script: str, root: Path) -> list[str]:
    """The deps a stage running `script` must list: the script, then the modules it imports."""
    files = imported_files(root / script, root / "src")
    modules = sorted(path.relative_to(root).as_posix() for path in files)
    return [script, *(m for m in modules if m not in PLUMBING)]


def stages(dvc_yaml: dict) -> dict[str, dict]:
    """The stage definitions (a foreach stage once, by its name)."""
    return dvc_yaml.get("stages", {})


def listed_code(stage: dict) -> list[str]:
    return [dep for dep in stage.get("do", stage).get("deps", []) if is_code(dep)]


def present(root: Path) -> list[str]:
    return [dvc_file for dvc_file in DVC_FILES if (root / dvc_file).is_file()]


def differences(root: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Stage name -> (modules its imports need that its deps lack, code deps it lists but does not run)."""
    found = {}
    for dvc_file in present(root):
        for name, stage in stages(yaml.safe_load((root / dvc_file).read_text())).items():
            need, have = code_deps(script_of(stage), root), listed_code(stage)
            missing, extra = [d for d in need if d not in have], [d for d in have if d not in need]
            if missing or extra:
                found[name] = (missing, extra)
    return found


def write(root: Path) -> list[str]:
    """Rewrite each stage's code deps in DVC_FILES (comments and layout kept); the names changed."""
    from ruamel.yaml import YAML  # DVC's own YAML library, which keeps comments

    round_trip = YAML()
    round_trip.indent(mapping=2, sequence=4, offset=2)
    round_trip.width = 4096
    changed = []
    for dvc_file in present(root):
        path = root / dvc_file
        document = round_trip.load(path.read_text())
        changed_here = []
        for name, stage in document["stages"].items():
            body = stage.get("do", stage)
            need = code_deps(script_of(stage), root)
            deps = body.get("deps", [])
            if [d for d in deps if is_code(d)] == need:
                continue
            data = [d for d in deps if not is_code(d)]
            deps.clear()
            deps.extend([*need, *data])
            changed_here.append(name)
        if changed_here:
            with path.open("w") as f:
                round_trip.dump(document, f)
        changed += changed_here
    return changed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="embedlab-deps", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the code deps in dvc.yaml")
    args = parser.parse_args(argv)
    root = project_root()
    if args.write:
        changed = write(root)
        print(f"dvc.yaml: code deps rewritten for {', '.join(changed)}" if changed else "dvc.yaml: up to date")
        return
    found = differences(root)
    for name, (missing, extra) in found.items():
        for dep in missing:
            print(f"{name}: runs {dep}, which its deps lack")
        for dep in extra:
            print(f"{name}: lists {dep}, which it does not run")
    if found:
        print("run `embedlab-deps --write` to fix dvc.yaml", file=sys.stderr)
        sys.exit(1)
    print("dvc.yaml: every stage lists the code it runs")


if __name__ == "__main__":
    main()
