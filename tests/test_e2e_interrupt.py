"""Ctrl-C (and `dvc queue kill`, which sends the same SIGINT) or a SIGTERM in the middle of a training
stop it cleanly: exit 130 with one line, its MLflow run marked KILLED, no output half-written."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from embedlab.movielens import pipeline

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def split(new_project):
    project = new_project()
    project.set_params(**{"movielens.train.epochs": 500, "movielens.train.batch_size": 1024})
    project.run("dvc", "repro", "movielens_split")
    return project


def _until_an_epoch_ends(process: subprocess.Popen, timeout: float = 180) -> None:
    seen = threading.Event()

    def watch():
        for line in process.stdout:
            if line.startswith("epoch 1 "):
                seen.set()

    threading.Thread(target=watch, daemon=True).start()
    assert seen.wait(timeout), "the training printed no epoch"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_training_kills_the_run_cleanly(split, sig):
    runs_before = len(split.runs("movielens"))
    process = subprocess.Popen([sys.executable, "stages/movielens_train.py"], cwd=split.path,
                               env={**split.env, "PYTHONUNBUFFERED": "1"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _until_an_epoch_ends(process)
    time.sleep(0.5)
    process.send_signal(sig)
    try:
        stderr = process.stderr.read()
        process.wait(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr[-2000:]
    assert stderr.strip().splitlines()[-1] == "interrupted"
    runs = split.runs("movielens")
    assert len(runs) == runs_before + 1 and runs[-1].info.status == "KILLED"
    assert not (split.path / pipeline.MODEL).exists() and not (split.path / pipeline.HISTORY).exists()
    leftovers = sorted(p.name for p in (split.path / pipeline.MODEL).parent.iterdir())
    assert leftovers == ["prepared", "split"]  # no temporary files either
