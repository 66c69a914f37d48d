"""What a training cost, written beside its results (eval/<task>/cost.json) and to its MLflow run.

Wall seconds and the machine they were spent on: the README's timings come from these files, and
unlike the metrics they are not expected to reproduce, so they live outside DVC's metrics."""
from __future__ import annotations

import json
import platform
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import mlflow
import torch

from embedlab.atomic import atomic_path


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            return next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                        platform.processor())
    except OSError:  # not Linux
        return platform.processor() or platform.machine()


def peak_memory_mb() -> int:
    """This process's peak resident memory so far (Linux counts it in KiB, macOS in bytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024**2 if sys.platform == "darwin" else 1024))


@contextmanager
def recorded(path: Path, device: torch.device) -> Iterator[None]:
    """Time the block; when it succeeds, write `path` (and log it to the active MLflow run)."""
    start = time.perf_counter()
    yield
    cost = {"training_seconds": round(time.perf_counter() - start, 1), "torch_threads": torch.get_num_threads(),
            "cpu": cpu_name(), "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "peak_memory_mb": peak_memory_mb()}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(cost, indent=2) + "\n")
    if mlflow.active_run():
        mlflow.log_artifact(str(path))
    print(f"training took {cost['training_seconds'] / 60:.1f} min on {cost['device']} ({cost['cpu']}, "
          f"{cost['torch_threads']} threads; peak memory {cost['peak_memory_mb']:,} MB)")
