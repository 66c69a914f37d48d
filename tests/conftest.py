"""Shared fixtures: the data mirror, throwaway copies of the project to run real DVC in, and
`mlflow models serve` on a copy's logged model."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILES = ["dvc.yaml", "params.yaml", "stages", "src", ".dvc/config", ".dvc/.gitignore", ".dvc/plots",
                 ".dvcignore", ".gitignore"]


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

    def runs(self, experiment: str, kind: str | None = None) -> list:
        """The MLflow runs of one experiment in this copy's own store, oldest first; of one kind
        (training, evaluation, baselines, study, report) if given."""
        import mlflow

        mlflow.set_tracking_uri(f"sqlite:///{self.path / 'mlflow.db'}")
        runs = mlflow.search_runs(experiment_names=[experiment], output_format="list",
                                  order_by=["attributes.start_time ASC"])
        return [r for r in runs if kind is None or r.data.tags.get("kind") == kind]

    def ran(self, done: subprocess.CompletedProcess) -> set[str]:
        """The stages a `dvc repro` ran, from its output."""
        return {line.split("'")[1] for line in done.stdout.splitlines() if line.startswith("Running stage")}

    def outdated(self, *targets: str) -> set[str]:
        """The stages `dvc status` says are out of date: of all, or these and their upstream."""
        scope = ("--with-deps", *targets) if targets else ()
        return set(json.loads(self.run("dvc", "status", "--json", *scope).stdout))

    def start_queue(self, jobs: int) -> None:
        """`dvc queue start -j jobs`, its output to a file: the workers it daemonizes inherit it, and
        one slow to exit would hold a pipe, and the test, open (seen once in CI-like runs)."""
        with open(self.path / ".dvc/tmp/queue-start.log", "w") as log:  # ignored, as all of .dvc/tmp
            subprocess.run(["dvc", "queue", "start", "-j", str(jobs)], cwd=self.path, env=self.env, check=True,
                           stdout=log, stderr=subprocess.STDOUT)

    def wait_for_queue(self, timeout: float = 900) -> str:
        """`dvc queue status` once nothing is queued or running (the queue is killed after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.run("dvc", "queue", "status").stdout
            if not any(word in status for word in ("Queued", "Running")):
                return status
            time.sleep(3)
        self.run("dvc", "queue", "stop", "--kill", check=False)
        raise AssertionError(f"the queue did not finish in {timeout} s:\n{status}")

    def commit(self, message: str, allow_empty: bool = False) -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-qm", message, *(["--allow-empty"] if allow_empty else []))


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


@pytest.fixture
def clone_project():
    """A function (origin, path, targets, tracking_uri=None) -> Project: `git clone` of a copy, then
    `dvc pull` of the targets and their upstream from the copy's DVC remote, as on another machine;
    its MLflow store is its own unless tracking_uri names a shared one."""
    def clone(origin: Project, path: Path, targets: tuple[str, ...], tracking_uri: str | None = None) -> Project:
        subprocess.run(["git", "clone", "-q", str(origin.path), str(path)], check=True, capture_output=True)
        project = Project(path, Path(origin.env["EMBEDLAB_DATA_MIRROR"]))
        if tracking_uri:
            project.env["MLFLOW_TRACKING_URI"] = tracking_uri
        project.run("dvc", "pull", "--with-deps", *targets)
        return project

    return clone


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """The URL of a real `mlflow server` as a team would run one (its own SQLite store, artifacts
    served through it), for one test module."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    command = [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
               "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}", "--serve-artifacts",
               "--artifacts-destination", str(folder / "artifacts"), "--workers", "1"]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _pings(url, "/health"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlflow server did not answer /health:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def new_project(tmp_path_factory, mirror):
    """For module-scoped fixtures: a function making a fresh project copy."""
    return lambda: make_project(tmp_path_factory.mktemp("e2e") / "project", mirror)


class ModelServer:
    """One `mlflow models serve` process, answering on localhost."""

    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process, self.url, self.log = process, url, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]

    def post(self, frame) -> tuple[int, dict]:
        """(HTTP status, decoded JSON answer) for `frame` sent to /invocations as dataframe_split."""
        body = {"dataframe_split": json.loads(frame.to_json(orient="split", index=False))}
        request = urllib.request.Request(f"{self.url}/invocations", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def predictions(self, frame) -> list:
        status, answer = self.post(frame)
        assert status == 200, f"/invocations answered {status}: {answer}\n{self.output()}"
        return answer["predictions"]

    def stop(self) -> None:
        # the server runs workers of its own: end the whole process group it leads
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve_model(tmp_path):
    """A function (project, model_uri) -> ModelServer that serves the model (`models:/embedlab-<task>@champion`,
    say) from the copy's own store (or from `tracking_uri`) with `mlflow models serve --env-manager local`,
    once /ping answers;
    every server it started is stopped when the test ends, whatever happened."""
    started: list[ModelServer] = []

    def start(project: Project, model_uri: str, tracking_uri: str | None = None, timeout: float = 240) -> ModelServer:
        port = _free_port()
        log = tmp_path / f"mlflow-serve-{port}.log"
        env = {**project.env, "MLFLOW_TRACKING_URI": tracking_uri or f"sqlite:///{project.path / 'mlflow.db'}"}
        command = [str(Path(sys.executable).parent / "mlflow"), "models", "serve",
                   "-m", model_uri, "--env-manager", "local", "--host", "127.0.0.1", "-p", str(port)]
        with log.open("w") as out:
            process = subprocess.Popen(command, cwd=project.path, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        server = ModelServer(process, f"http://127.0.0.1:{port}", log)
        started.append(server)
        deadline = time.monotonic() + timeout
        while not _pings(server.url):
            if process.poll() is not None:
                pytest.fail(f"mlflow models serve exited ({process.returncode}) before answering /ping:\n"
                            f"{server.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"mlflow models serve did not answer /ping within {timeout:.0f} s:\n"
                            f"{server.output()}")
            time.sleep(0.5)
        return server

    yield start
    for server in started:
        server.stop()


def _pings(url: str, path: str = "/ping") -> bool:
    try:
        with urllib.request.urlopen(f"{url}{path}", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False
