"""Time a `dvc repro` from an empty cache, stage by stage: what a new user's first run costs.

The committed HEAD is cloned into a temporary folder with its own DVC cache and MLflow store, so
nothing is taken from this workspace's cache and nothing lands in its store; the archives come
from EMBEDLAB_DATA_MIRROR when it is set (as CI's do), else from the internet. Each stage's time is
from its "Running stage" line to the next one (the last to the end), so the stages add up to the
whole; each training's epoch lines (losses, and the training rate per pass) are echoed. Run it
on a quiet machine: another training beside it slows both several-fold.

    python benchmarks/repro_timing.py                       # everything `dvc repro` runs
    python benchmarks/repro_timing.py rossmann_evaluate     # one task's targets
    python benchmarks/repro_timing.py --keep /tmp/run       # and keep the clone: its dvc.lock, eval/,
                                                            # DVC cache and MLflow store
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from embedlab.cost import cpu_name

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="dvc repro targets (default: all)")
    parser.add_argument("--keep", type=Path, help="clone into this new folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="embedlab-repro-") as tmp:
        clone = args.keep.resolve() if args.keep else Path(tmp) / "project"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{clone / 'mlflow.db'}",
               "PYTHONPATH": str(clone / "src"), "PYTHONUNBUFFERED": "1"}
        if env.get("EMBEDLAB_DATA_MIRROR"):
            env["EMBEDLAB_DATA_MIRROR"] = str(Path(env["EMBEDLAB_DATA_MIRROR"]).resolve())
        print(f"dvc repro {' '.join(args.targets)} from an empty cache, {cpu_name()}, "
              f"{torch.get_num_threads()} torch threads", flush=True)
        times: list[tuple[str, float]] = []
        start = last = time.perf_counter()
        # --force: the clone holds the committed eval/ files, and a stage whose outputs are all those
        # would otherwise be skipped as unchanged once its inputs are rebuilt
        proc = subprocess.Popen(["dvc", "repro", "--force", *args.targets], cwd=clone, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in proc.stdout:
            if line.startswith("Running stage"):
                now = time.perf_counter()
                if times:
                    times[-1] = (times[-1][0], now - last)
                times.append((line.split("'")[1], 0.0))
                last = now
                print(f"[{(now - start) / 60:6.1f} min] {line.rstrip()}", flush=True)
            elif line.startswith("epoch ") and "/s)" in line:  # fit's line: losses and training rate
                print(f"{'':13}{line.rstrip()}", flush=True)
        end = time.perf_counter()
        if times:
            times[-1] = (times[-1][0], end - last)
        if proc.wait():
            sys.exit(f"dvc repro failed ({proc.returncode}); the stages above ran")
    print(f"\n{'stage':32} {'minutes':>8}")
    for stage, seconds in times:
        print(f"{stage:32} {seconds / 60:8.2f}")
    tasks: dict[str, float] = {}
    for stage, seconds in times:  # download@imdb, imdb_lm, ... -> imdb
        task = stage.split("@")[1] if stage.startswith("download@") else stage.split("_")[0]
        tasks[task] = tasks.get(task, 0.0) + seconds
    for task, seconds in tasks.items():
        print(f"{'  of which ' + task:32} {seconds / 60:8.2f}")
    print(f"{'total (one dvc repro)':32} {(end - start) / 60:8.2f}")


if __name__ == "__main__":
    main()
