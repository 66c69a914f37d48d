"""movielens_prepare: data/raw/movielens -> data/movielens/prepared/{ratings,movies}.parquet"""
from pathlib import Path

from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.movielens import data

RAW = Path("data/raw/movielens")
OUT = Path("data/movielens/prepared")


def main() -> None:
    release, ratings, movies = data.read_release(RAW)
    ratings = data.tidy_ratings(ratings, data.DECLARED_RANGE[release])
    with atomic_path(OUT, is_dir=True) as tmp:
        ratings.to_parquet(tmp / "ratings.parquet", index=False)
        data.tidy_movies(movies).to_parquet(tmp / "movies.parquet", index=False)
    print(f"{release}: {len(ratings):,} ratings, {ratings['user'].nunique():,} users, "
          f"{ratings['item'].nunique():,} movies")


if __name__ == "__main__":
    run_stage(main)
