"""The IMDB language model's training rate under glibc's default malloc and under
`cli.keep_freed_memory` (what every stage sets), in alternating fresh processes: the setting holds
for a whole process, and alternating keeps the ratio honest while a shared machine's speed drifts.
Each run prints its tokens per second (imdb_lm_speed.py's step, at params.yaml's size), the user
and kernel CPU seconds, its minor page faults and its peak memory.

    python benchmarks/malloc_reuse.py [--pairs 4] [--seconds 20] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys

import numpy as np
import torch
from imdb_lm_speed import CONFIGS, lm_tokens_per_s  # benchmarks/, the script's folder

from embedlab.cli import keep_freed_memory
from embedlab.cost import cpu_name, peak_memory_mb

DEFAULT = CONFIGS[-1]  # the CPU default's size and batch, bfloat16


def child(mode: str, seconds: float, threads: int) -> None:
    if mode == "keep":
        assert keep_freed_memory(), "this C library has no mallopt"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    before = resource.getrusage(resource.RUSAGE_SELF)
    rate = lm_tokens_per_s(DEFAULT, seconds, np.random.default_rng(0))
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"rate": rate, "user": after.ru_utime - before.ru_utime, "sys": after.ru_stime - before.ru_stime,
                      "faults": after.ru_minflt - before.ru_minflt, "peak_mb": peak_memory_mb()}))


def run(mode: str, seconds: float, threads: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--seconds", str(seconds),
                          "--threads", str(threads)], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", choices=["plain", "keep"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.seconds, args.threads)

    print(f"{cpu_name()}; torch {torch.__version__}, {args.threads} threads; {DEFAULT.describe()}")
    print(f"{'malloc':<16} {'tokens/s':>9} {'user s':>7} {'kernel s':>9} {'page faults':>12} {'peak MB':>8}")
    ratios = []
    for _ in range(args.pairs):
        pair = {}
        for mode, label in (("keep", "keeps freed"), ("plain", "glibc default")):
            r = pair[mode] = run(mode, args.seconds, args.threads)
            print(f"{label:<16} {r['rate']:>9,.0f} {r['user']:>7.1f} {r['sys']:>9.1f} {r['faults']:>12,} "
                  f"{r['peak_mb']:>8,.0f}", flush=True)
        ratios.append(pair["keep"]["rate"] / pair["plain"]["rate"])
    print(f"rate, kept over default, pair by pair: {', '.join(f'{x:.2f}' for x in ratios)}; "
          f"median {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
