"""movielens_interpret: the model -> movies by learned bias, and the movie factors' principal
components (table and plot)."""
import mlflow
import pandas as pd

from embedlab import params, plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.movielens import interpret, learner, pipeline
from embedlab.movielens.config import load_config

LABELLED = 60  # more labels than this overlap into a blur
DIGITS = 6     # of the principal components written out: float noise stays out of the file


def main() -> None:
    cfg = load_config(params.load()).interpret
    train = pipeline.read(pipeline.TRAIN, "movielens_split")
    movies = pipeline.read(pipeline.MOVIES, "movielens_prepare")
    model = learner.load(pipeline.MODEL)
    with atomic_path(pipeline.INTERPRET, is_dir=True) as tmp:
        if hasattr(model.net, "item_bias"):
            ranked = interpret.movie_biases(model.net, model.items, movies, train, cfg.min_ratings)
            ranked.head(cfg.top_n).to_csv(tmp / "highest_bias.csv", index=False)
            ranked.tail(cfg.top_n)[::-1].to_csv(tmp / "lowest_bias.csv", index=False)
            pd.set_option("display.width", 160)
            print("Highest learned bias:\n", ranked.head(cfg.top_n).to_string(index=False))
            print("Lowest learned bias:\n", ranked.tail(cfg.top_n)[::-1].to_string(index=False))
        components = interpret.movie_components(model.net, model.items, movies, train, cfg.pca_movies)
        components.round(DIGITS).to_csv(tmp / "movie_components.csv", index=False)
        plots.labelled_scatter(components.head(LABELLED), "pc1", "pc2", "title", tmp / "movie_factors_pca.png",
                               f"MovieLens {model.cfg.model}: movie factors, first two principal components "
                               f"(fitted on the {cfg.pca_movies} most-rated, {LABELLED} shown)")
    with tracking.model_run("movielens", pipeline.MODEL):
        mlflow.log_artifacts(str(pipeline.INTERPRET), "interpretation")


if __name__ == "__main__":
    run_stage(main)
