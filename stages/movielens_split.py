"""movielens_split: ratings -> training and validation ratings (params movielens.split)."""
import json

from embedlab import params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.movielens import pipeline
from embedlab.movielens.config import load_config
from embedlab.movielens.split import split_ratings


def main() -> None:
    cfg = load_config(params.load()).split
    ratings = pipeline.read(pipeline.RATINGS, "movielens_prepare")
    train, valid = split_ratings(ratings, cfg.method, cfg.valid_frac, cfg.seed, cfg.unseen)
    summary = {"train": len(train), "valid": len(valid), "valid_share": round(len(valid) / len(ratings), 4),
               "valid_users_unseen": int((~valid["user"].isin(train["user"])).sum()),
               "valid_movies_unseen": int((~valid["item"].isin(train["item"])).sum())}
    with atomic_path(pipeline.SPLIT, is_dir=True) as tmp:
        train.to_parquet(tmp / pipeline.TRAIN.name, index=False)
        valid.to_parquet(tmp / pipeline.VALID.name, index=False)
        (tmp / pipeline.SPLIT_SUMMARY.name).write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    run_stage(main)
