"""movielens_interpret: model -> eval/movielens/interpret/ (movies by learned bias, factor PCA plot)."""
from pathlib import Path

import mlflow
import pandas as pd

from embedlab import params, plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.movielens import interpret, learner
from embedlab.movielens.config import load_config

SPLIT = Path("data/movielens/split")
MOVIES = Path("data/movielens/prepared/movies.parquet")
MODEL = Path("data/movielens/model")
OUT = Path("eval/movielens/interpret")
LABELLED = 60  # more labels than this overlap into a blur


def main() -> None:
    cfg = load_config(params.load()).interpret
    train = pd.read_parquet(SPLIT / "train.parquet")
    movies = pd.read_parquet(MOVIES)
    model, train_cfg, users, items = learner.load(MODEL / "model.pt")
    with atomic_path(OUT, is_dir=True) as tmp:
        if hasattr(model, "item_bias"):
            ranked = interpret.movie_biases(model, items, movies, train, cfg.min_ratings)
            ranked.head(cfg.top_n).to_csv(tmp / "highest_bias.csv", index=False)
            ranked.tail(cfg.top_n)[::-1].to_csv(tmp / "lowest_bias.csv", index=False)
            pd.set_option("display.width", 160)
            print("Highest learned bias:\n", ranked.head(cfg.top_n).to_string(index=False))
            print("Lowest learned bias:\n", ranked.tail(cfg.top_n)[::-1].to_string(index=False))
        components = interpret.movie_components(model, items, movies, train, cfg.pca_movies)
        components.to_csv(tmp / "movie_components.csv", index=False)
        plots.labelled_scatter(components.head(LABELLED), "pc1", "pc2", "title", tmp / "movie_factors_pca.png",
                               f"MovieLens {train_cfg.model}: movie factors, first two principal components "
                               f"(fitted on the {cfg.pca_movies} most-rated, {LABELLED} shown)")
    with tracking.run("movielens", run_id=tracking.load_run_id(MODEL)):
        mlflow.log_artifacts(str(OUT), "interpretation")


if __name__ == "__main__":
    run_stage(main)
