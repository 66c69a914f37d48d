"""movielens_prepare: the raw release -> typed ratings (user, item, rating, timestamp) and movie titles."""
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.movielens import data, pipeline


def main() -> None:
    release, ratings, movies = data.read_release(pipeline.RAW)
    ratings = data.tidy_ratings(ratings, data.DECLARED_RANGE[release])
    with atomic_path(pipeline.PREPARED, is_dir=True) as tmp:
        ratings.to_parquet(tmp / pipeline.RATINGS.name, index=False)
        data.tidy_movies(movies).to_parquet(tmp / pipeline.MOVIES.name, index=False)
    folds = f", official folds {data.FOLDS[0]}..{data.FOLDS[-1]}" if data.FOLD in ratings else ""
    print(f"{release}: {len(ratings):,} ratings, {ratings['user'].nunique():,} users, "
          f"{ratings['item'].nunique():,} movies{folds}")


if __name__ == "__main__":
    run_stage(main)
