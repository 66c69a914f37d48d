"""rossmann_features: joined tables -> data/rossmann/features/{train,test}.parquet"""
from pathlib import Path

import pandas as pd

from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.rossmann.features import build_features

JOINED = Path("data/rossmann/joined")
OUT = Path("data/rossmann/features")


def main() -> None:
    train, test = build_features(pd.read_parquet(JOINED / "train.parquet"),
                                 pd.read_parquet(JOINED / "test.parquet"))
    with atomic_path(OUT, is_dir=True) as tmp:
        train.to_parquet(tmp / "train.parquet")
        test.to_parquet(tmp / "test.parquet")
    print(f"features: train {train.shape}, test {test.shape}")


if __name__ == "__main__":
    run_stage(main)
