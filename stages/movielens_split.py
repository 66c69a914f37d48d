"""movielens_split: ratings -> data/movielens/split/{train,valid}.parquet (params movielens.split)"""
import json
from pathlib import Path

import pandas as pd

from embedlab import params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.movielens.config import load_config
from embedlab.movielens.split import split_ratings

RATINGS = Path("data/movielens/prepared/ratings.parquet")
OUT = Path("data/movielens/split")


def main() -> None:
    cfg = load_config(params.load()).split
    ratings = pd.read_parquet(RATINGS)
    train, valid = split_ratings(ratings, cfg.method, cfg.valid_frac, cfg.seed, cfg.unseen)
    summary = {"train": len(train), "valid": len(valid), "valid_share": round(len(valid) / len(ratings), 4),
               "valid_users_unseen": int((~valid["user"].isin(train["user"])).sum()),
               "valid_movies_unseen": int((~valid["item"].isin(train["item"])).sum())}
    with atomic_path(OUT, is_dir=True) as tmp:
        train.to_parquet(tmp / "train.parquet", index=False)
        valid.to_parquet(tmp / "valid.parquet", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    run_stage(main)
