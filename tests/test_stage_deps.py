"""A DAG that cannot go stale: every stage lists the code it runs, and the committed dvc.lock was made
by the committed code and params (a commit cannot carry metrics its code did not make)."""
from __future__ import annotations

import hashlib
import modulefinder
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

from embedlab import codedeps, params

ROOT = Path(__file__).resolve().parents[1]
# stage name -> (its dvc.yaml, its definition), over the default pipeline and the on-demand one
DEFINED = {name: (dvc_file, stage) for dvc_file in codedeps.DVC_FILES
           for name, stage in codedeps.stages(yaml.safe_load((ROOT / dvc_file).read_text())).items()}
STAGES = {name: stage for name, (_, stage) in DEFINED.items()}
# the files whose dvc.lock the workspace must hold: an experiment-only one's only where it has one
LOCKED_FILES = [dvc_file for dvc_file in codedeps.DVC_FILES if dvc_file not in codedeps.EXPERIMENT_ONLY
                or (ROOT / dvc_file).with_suffix(".lock").is_file()]


def _lock(dvc_file: str = "dvc.yaml") -> dict:
    # read as DVC writes it, YAML 1.2: PyYAML (1.1) takes its 1e-06 for a string
    return YAML(typ="safe").load((ROOT / dvc_file).with_suffix(".lock").read_text())["stages"]


def _stage_names(dvc_file: str | None = None) -> list[str]:
    """dvc.lock's names: a foreach stage once per item (download@movielens, ...)."""
    names = []
    for name, (defined_in, stage) in DEFINED.items():
        if defined_in in LOCKED_FILES and dvc_file in (None, defined_in):
            names += [f"{name}@{item}" for item in stage["foreach"]] if "foreach" in stage else [name]
    return names


def _locked(stage: str) -> dict:
    return _lock(DEFINED[stage.split("@")[0]][0])[stage]


@pytest.fixture(scope="module")
def differences() -> dict:
    return codedeps.differences(ROOT)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_lists_every_module_its_imports_reach(stage, differences):
    missing, extra = differences.get(stage, ([], []))
    assert not missing, f"{stage} runs {', '.join(missing)} but its deps lack it: run `embedlab-deps --write`"
    assert not extra, f"{stage} lists {', '.join(extra)}, which it does not run: run `embedlab-deps --write`"


@pytest.mark.parametrize("stage", STAGES)
def test_an_independent_import_scan_finds_nothing_more(stage):
    """The standard library's modulefinder (bytecode, not our AST walk) over the same script."""
    script = codedeps.script_of(STAGES[stage])
    finder = modulefinder.ModuleFinder(path=[str(ROOT / "src")])
    finder.run_script(str(ROOT / script))
    found = {Path(module.__file__).relative_to(ROOT).as_posix() for name, module in finder.modules.items()
             if name.split(".")[0] == "embedlab"}
    missing = sorted(found - codedeps.PLUMBING - set(codedeps.listed_code(STAGES[stage])))
    assert not missing, f"{stage} runs {', '.join(missing)} but its deps lack it"


def test_plumbing_is_what_it_says():
    """Left out of deps, so it must stay plumbing: these modules exist and no stage's script is one."""
    for path in codedeps.PLUMBING:
        assert (ROOT / path).is_file(), path
    assert not {codedeps.script_of(stage) for stage in STAGES.values()} & codedeps.PLUMBING


def test_the_check_fails_naming_the_stage_and_the_module(tmp_path):
    for name in ("dvc.yaml", "stages", "src"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    script = tmp_path / "stages" / "movielens_split.py"
    script.write_text(script.read_text().replace("from embedlab.movielens.split import split_ratings",
                                                 "from embedlab.movielens.split import split_ratings\n"
                                                 "from embedlab.rossmann import baselines  # noqa"))
    found = codedeps.differences(tmp_path)
    assert list(found) == ["movielens_split"]
    missing, extra = found["movielens_split"]
    assert {"src/embedlab/rossmann/__init__.py", "src/embedlab/rossmann/baselines.py",
            "src/embedlab/rossmann/preprocess.py"} <= set(missing) and extra == []  # followed import by import
    before = (tmp_path / "dvc.yaml").read_text()
    assert codedeps.write(tmp_path) == ["movielens_split"]
    assert codedeps.differences(tmp_path) == {}
    after = (tmp_path / "dvc.yaml").read_text()
    assert after.splitlines()[:8] == before.splitlines()[:8]  # comments kept
    assert yaml.safe_load(after)["stages"]["movielens_split"]["deps"][-1] == "data/movielens/prepared/ratings.parquet"


@pytest.mark.parametrize("dvc_file", LOCKED_FILES)
def test_every_locked_stage_is_in_dvc_yaml_and_back(dvc_file):
    assert sorted(_lock(dvc_file)) == sorted(_stage_names(dvc_file))


@pytest.mark.parametrize("stage", _stage_names())
def test_the_committed_lock_holds_this_code(stage):
    """Each code dep's hash in dvc.lock is the md5 of the file as committed: otherwise the metrics
    beside it came from other code. Fix by running the stage (`dvc repro`), never `dvc commit`."""
    locked = {dep["path"]: dep["md5"] for dep in _locked(stage)["deps"] if codedeps.is_code(dep["path"])}
    listed = codedeps.listed_code(STAGES[stage.split("@")[0]])
    assert sorted(locked) == sorted(listed), f"{stage}: dvc.lock's code deps are not dvc.yaml's; run `dvc repro`"
    stale = [path for path, md5 in locked.items() if hashlib.md5((ROOT / path).read_bytes()).hexdigest() != md5]
    assert not stale, f"{stage} ran with other code than {', '.join(stale)}; run `dvc repro {stage}`"


@pytest.mark.parametrize("stage", _stage_names())
def test_the_committed_lock_holds_these_params(stage):
    current = params.load(ROOT / "params.yaml")
    for key, value in _locked(stage).get("params", {}).get("params.yaml", {}).items():
        assert params.section(current, key) == value, f"{stage} ran with {key}={value!r}; run `dvc repro {stage}`"


def test_embedlab_deps_command_says_up_to_date():
    done = subprocess.run([sys.executable, "-m", "embedlab.codedeps"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "dvc.yaml: every stage lists the code it runs"
