"""rossmann_split: training dates -> data/rossmann/split.parquet (Store, Date, valid), params rossmann.split"""
from pathlib import Path

import pandas as pd

from embedlab import params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.rossmann.config import load_config
from embedlab.rossmann.split import validation_mask

FEATURES = Path("data/rossmann/features")
OUT = Path("data/rossmann/split.parquet")


def main() -> None:
    cfg = load_config(params.load()).split
    keys = pd.read_parquet(FEATURES / "train.parquet", columns=["Store", "Date"])
    test_rows = pd.read_parquet(FEATURES / "test.parquet", columns=["Store"]).shape[0]
    valid = validation_mask(keys["Date"], cfg.method, start=cfg.start, end=cfg.end,
                            valid_frac=cfg.valid_frac, seed=cfg.seed, test_rows=test_rows)
    with atomic_path(OUT) as tmp:
        keys.assign(valid=valid).to_parquet(tmp, index=False)
    dates = keys.loc[valid, "Date"]
    print(f"{cfg.method}: {valid.sum():,} validation rows ({dates.min():%Y-%m-%d}..{dates.max():%Y-%m-%d}), "
          f"{(~valid).sum():,} training rows")


if __name__ == "__main__":
    run_stage(main)
