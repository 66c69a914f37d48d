"""What every stage entry point shares: one-line errors for user mistakes, a clean Ctrl-C, and
its share of the cores under a `dvc queue` of several workers, and a malloc that reuses freed memory."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from pathlib import Path
from typing import Callable

from embedlab.errors import EmbedlabError


def _terminate(signum, frame):
    # Ctrl-C and `dvc queue kill` send SIGINT, which Python raises as KeyboardInterrupt already; other
    # supervisors send SIGTERM. Raising lets tracking mark the run KILLED and atomic writes clean up.
    # Worker processes must not inherit this (see imdb.tokenize.tokenize_many).
    raise KeyboardInterrupt


THREADS_ENV = "EMBEDLAB_THREADS"  # torch threads per stage; the README's queue recipe sets it


def queue_workers(proc: Path = Path("/proc")) -> int:
    """How many `dvc queue` workers run on this machine (0 where /proc cannot tell)."""
    count = 0
    for cmdline in proc.glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # a process that ended while we looked
            continue
        count += b"queue-worker" in args and b"exp" in args
    return count


def thread_share(setting: str | None, cpus: int, workers: int) -> int | None:
    """Threads for one stage's torch: EMBEDLAB_THREADS when set; under a queue of `workers`, an equal
    share of the cores (two workers of two threads each on 2 cores slowed a Rossmann epoch 11x);
    otherwise None, torch's own default."""
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise EmbedlabError(f"{THREADS_ENV}={setting!r}: give a whole number of threads, 1 or more")
        return int(setting)
    return max(1, cpus // workers) if workers else None


def _in_experiment_copy() -> bool:
    """`dvc exp run --queue/--temp` runs a stage in a copy of the repository; DVC_ROOT names the original."""
    root = os.environ.get("DVC_ROOT")
    return bool(root) and Path(root).resolve() != Path.cwd().resolve()


def share_cores() -> None:
    torch = sys.modules.get("torch")  # stages that train import it before they start
    if torch is None:
        return
    workers = queue_workers() if _in_experiment_copy() else 0
    threads = thread_share(os.environ.get(THREADS_ENV), _cpus(), workers)
    if threads is not None:
        torch.set_num_threads(threads)


def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)  # the cores this process may use (Linux)
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def keep_freed_memory() -> bool:
    """Have glibc's malloc keep freed memory for reuse instead of returning it to the kernel. A
    training step frees and allocates tensors of tens of megabytes; by default glibc maps each one
    anew, and the kernel faults in and zeroes every 4 KiB page: a fifth of the IMDB language
    model's CPU time (benchmarks/malloc_reuse.py prints the rate with and without). False where
    the C library has no mallopt (macOS, musl), which leaves its allocator as it is."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    # above the mmap threshold a block gets its own mapping, freed back at once; above the trim
    # threshold the heap's free top is returned. Both as high as mallopt's int allows.
    return bool(mallopt(_M_MMAP_THRESHOLD, 1 << 30)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))


def run_stage(main: Callable[[], object], *, reuse_freed_memory: bool = True) -> None:
    """Run a stage's `main`. `reuse_freed_memory=False` leaves malloc as it is, for a stage whose
    tensors change size from step to step: its freed blocks then fragment a heap that is never
    returned (IMDB's classifier over reviews of varying length: twice the peak memory, no faster)."""
    signal.signal(signal.SIGTERM, _terminate)
    # a shell starts background jobs with SIGINT ignored (`nohup dvc repro &`, some CI runners), and
    # Python then leaves it ignored: a stage must still stop on `kill -INT` or `dvc queue kill`
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if reuse_freed_memory:
            keep_freed_memory()
        share_cores()
        main()
    except EmbedlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
