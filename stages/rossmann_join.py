"""rossmann_join: data/raw/rossmann -> data/rossmann/joined/{train,test}.parquet (every join checked)"""
from pathlib import Path

from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.rossmann.join import join_tables
from embedlab.rossmann.tables import read_tables

RAW = Path("data/raw/rossmann")
OUT = Path("data/rossmann/joined")


def main() -> None:
    train, test = join_tables(read_tables(RAW))
    with atomic_path(OUT, is_dir=True) as tmp:
        train.to_parquet(tmp / "train.parquet")
        test.to_parquet(tmp / "test.parquet")
    print(f"joined: train {train.shape}, test {test.shape}")


if __name__ == "__main__":
    run_stage(main)
