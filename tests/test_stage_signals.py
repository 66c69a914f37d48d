"""`tokenize_many` inside a stage (`cli.run_stage`) never hangs, and a stage stopped while its
workers run exits promptly with 130 and leaves no process behind.

The regression: fork workers inherited run_stage's SIGTERM handler, `Pool.__exit__` SIGTERMs its
workers, and a worker interrupted while releasing a queue lock died holding it, so its sibling
waited for ever (here 3 to 5 runs of 40 calls in 10 hung).
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import psutil  # installed with dvc
import pytest

import embedlab

SRC = Path(embedlab.__file__).resolve().parents[1]  # the stage subprocesses run this very code
N_TEXTS = 4000

STAGE = """
import sys, json
from embedlab.cli import run_stage
from embedlab.imdb.tokenize import tokenize, tokenize_many

def main():
    texts = json.loads(open(sys.argv[2]).read())
    if sys.argv[1] == "repeat":  # many short calls, each starting and stopping its workers
        texts = [text[:100] for text in texts]
        assert tokenize_many(texts, n_jobs=2) == [tokenize(t) for t in texts]
        for _ in range(39):
            tokenize_many(texts, n_jobs=2)
        print("done")
    else:  # "interrupt": a call as long as the real stage's, for the test to interrupt
        tokenize_many(texts[:100], n_jobs=2)  # starts the helper processes that outlive a call
        print("ready", flush=True)
        sys.stdin.readline()
        tokenize_many(texts * 25, n_jobs=2)
        print("finished")

if __name__ == "__main__":  # the forkserver imports this file as __mp_main__
    run_stage(main)
"""


@pytest.fixture(scope="module")
def stage(mirror, tmp_path_factory) -> list[str]:
    """The command line of a stage tokenizing the first 4,000 training reviews."""
    texts = []
    with tarfile.open(mirror / "aclImdb_v1.tar.gz", "r|gz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".txt") and "/train/" in member.name:
                texts.append(tar.extractfile(member).read().decode())
                if len(texts) == N_TEXTS:
                    break
    folder = tmp_path_factory.mktemp("stage")
    (folder / "texts.json").write_text(json.dumps(texts))
    (folder / "stage.py").write_text(STAGE)
    return [sys.executable, str(folder / "stage.py"), "{mode}", str(folder / "texts.json")]


def _start(stage: list[str], mode: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    # a session of its own: a hung stage and its workers can be killed together
    return subprocess.Popen([a.format(mode=mode) for a in stage], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _killpg(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _kill(process: subprocess.Popen) -> str:
    """Kill a stage with its workers; its stderr."""
    _killpg(process.pid)
    return process.communicate()[1]


def test_many_parallel_calls_in_a_stage_never_hang(stage):
    for attempt in range(1, 4):
        process = _start(stage, "repeat")
        try:
            out, err = process.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            pytest.fail(f"run {attempt}: 40 tokenize_many calls in a stage hung (no exit in 45 s); "
                        f"a worker probably died holding a queue lock\n{_kill(process)}")
        assert (process.returncode, out) == (0, "done\n"), err


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(process: psutil.Process) -> bool:
    try:  # is_running also checks the start time, so a reused pid does not count
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("signum, group", [(signal.SIGTERM, False), (signal.SIGINT, True)],
                         ids=["SIGTERM to the stage", "SIGINT to its group (Ctrl-C, dvc queue kill)"])
def test_signal_during_tokenize_many_stops_the_stage_and_its_workers(stage, signum, group):
    process = _start(stage, "interrupt")
    watchdog = threading.Timer(90, _killpg, [process.pid])  # so a stage hung before "ready" fails too
    watchdog.start()
    try:
        assert process.stdout.readline() == "ready\n", process.stderr.read()
        helpers = _descendants(process.pid)  # a forkserver, a resource tracker
        process.stdin.write("go\n")
        process.stdin.flush()
        time.sleep(1.5)  # the call takes far longer, and each worker's chunk seconds
        seen = {p.pid: p for p in _descendants(process.pid) + helpers}
        assert len(seen) - len(helpers) >= 2, f"expected 2 workers under the stage, found {seen}"
        (os.killpg if group else os.kill)(process.pid, signum)
        start = time.monotonic()
        out, err = process.communicate(timeout=30)
        stopped_s = time.monotonic() - start
    except subprocess.TimeoutExpired:
        pytest.fail(f"the stage did not exit within 30 s of {signal.Signals(signum).name}\n{_kill(process)}")
    finally:
        watchdog.cancel()
        if process.poll() is None:
            _kill(process)
    assert (process.returncode, out, err) == (130, "", "interrupted\n"), err  # no worker traceback
    assert stopped_s < 5, f"the stage took {stopped_s:.1f} s to stop: did the workers finish their chunks?"
    deadline = time.monotonic() + 5  # the forkserver and resource tracker see the stage's exit
    while (left := [p for p in seen.values() if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes left behind: {left}"
