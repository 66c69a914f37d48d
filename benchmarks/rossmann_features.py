"""Time read + join + features on all Rossmann rows; print wall seconds and peak memory.

    python benchmarks/rossmann_features.py [RAW_FOLDER]

RAW_FOLDER holds the Rossmann CSVs. Without it, rossmann.tgz from $EMBEDLAB_DATA_MIRROR (default
/work/shared/datasets) is first extracted into a temporary folder, outside the timing.
Target: under 15 s and under 3 GB on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import resource
import tarfile
import tempfile
import time
from pathlib import Path

from embedlab.rossmann.features import build_features
from embedlab.rossmann.join import join_tables
from embedlab.rossmann.tables import read_tables


def extract_mirror(into: Path) -> Path:
    archive = Path(os.environ.get("EMBEDLAB_DATA_MIRROR", "/work/shared/datasets")) / "rossmann.tgz"
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def timed_pipeline(folder: Path) -> dict[str, float]:
    """Seconds spent in each step, plus the row counts, so a run can be checked for completeness."""
    start = time.perf_counter()
    tables = read_tables(folder)
    read = time.perf_counter()
    joined = join_tables(tables)
    join = time.perf_counter()
    train, test = build_features(*joined)
    end = time.perf_counter()
    return {
        "read_s": read - start, "join_s": join - read, "features_s": end - join, "wall_s": end - start,
        "train_rows": len(train), "test_rows": len(test),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", nargs="?", type=Path, help="folder with the Rossmann CSVs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rossmann-bench-") as scratch:
        result = timed_pipeline(args.raw or extract_mirror(Path(scratch)))
    # ru_maxrss is in KiB on Linux.
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"rows: train {result['train_rows']:,}, test {result['test_rows']:,}\n"
        f"read {result['read_s']:.2f} s, join {result['join_s']:.2f} s, "
        f"features {result['features_s']:.2f} s\n"
        f"wall {result['wall_s']:.2f} s (target < 15), peak memory {peak_gb:.2f} GB (target < 3)"
    )


if __name__ == "__main__":
    main()
