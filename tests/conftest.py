"""Shared fixtures: the data mirror, and throwaway copies of the project to run real DVC in."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILES = ["dvc.yaml", "params.yaml", "stages", "src", ".dvc/config", ".dvc/.gitignore", ".dvcignore",
                 ".gitignore"]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The networks in unit tests are tiny: one thread is several times faster than two that
    wait on each other whenever the other core is busy. Stage subprocesses are unaffected."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def mirror() -> Path:
    folder = Path(os.environ.get("EMBEDLAB_DATA_MIRROR") or ROOT.parent / "shared" / "datasets")
    folder = folder if folder.is_absolute() else (ROOT / folder)
    assert (folder / "ml-latest-small.zip").is_file(), f"no data mirror at {folder}"
    return folder.resolve()


def _env(mirror: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["EMBEDLAB_DATA_MIRROR"] = str(mirror)
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "embedlab tests"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "tests@embedlab.invalid"
    return env


class Project:
    """A git + DVC copy of the project's pipeline code in a temporary folder."""

    def __init__(self, path: Path, mirror: Path):
        self.path, self.env = path, _env(mirror)
        self.env["PYTHONPATH"] = str(path / "src")  # the stages run the copy's code, not ours

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(args, cwd=self.path, env=self.env, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def set_params(self, **dotted) -> None:
        params = yaml.safe_load((self.path / "params.yaml").read_text())
        for key, value in dotted.items():
            node = params
            *parents, last = key.split(".")
            for part in parents:
                node = node[part]
            node[last] = value
        (self.path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    def runs(self, experiment: str) -> list:
        """The MLflow runs of one experiment in this copy's own store, oldest first."""
        import mlflow

        mlflow.set_tracking_uri(f"sqlite:///{self.path / 'mlflow.db'}")
        return mlflow.search_runs(experiment_names=[experiment], output_format="list",
                                  order_by=["attributes.start_time ASC"])

    def commit(self, message: str) -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-qm", message)


def make_project(path: Path, mirror: Path) -> Project:
    for name in PROJECT_FILES:
        src, dst = ROOT / name, path / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    project = Project(path, mirror)
    project.run("git", "init", "-q")
    project.commit("project copy")
    return project


@pytest.fixture
def project(tmp_path, mirror) -> Project:
    return make_project(tmp_path / "project", mirror)


@pytest.fixture(scope="session")
def new_project(tmp_path_factory, mirror):
    """For module-scoped fixtures: a function making a fresh project copy."""
    return lambda: make_project(tmp_path_factory.mktemp("e2e") / "project", mirror)
