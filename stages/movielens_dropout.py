"""movielens_dropout: split -> eval/movielens/dropout (params movielens.train, movielens.dropout_study):
the neural model at several dropout settings, and the train/validation gap of each."""
from pathlib import Path

import pandas as pd

from embedlab import dropout_study, params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.metrics import regression
from embedlab.movielens import learner
from embedlab.movielens.config import TrainConfig, load_config
from embedlab.training import pick_device

SPLIT = Path("data/movielens/split")
OUT = Path("eval/movielens/dropout")


def main() -> None:
    all_params = params.load()
    study = load_config(all_params).dropout_study
    configs = dropout_study.study_configs(TrainConfig, params.section(all_params, "movielens.train"), study,
                                          "movielens.dropout_study")
    train_df = pd.read_parquet(SPLIT / "train.parquet")
    valid_df = pd.read_parquet(SPLIT / "valid.parquet")

    def train_one(cfg, on_epoch):
        model, users, items, history = learner.train(cfg, train_df, valid_df, pick_device(), on_epoch=on_epoch)
        pred = learner.predict_ratings(model, train_df, users, items)
        return history, regression(train_df["rating"].to_numpy(), pred)["mse"]

    with atomic_path(OUT, is_dir=True) as tmp:
        dropout_study.run("movielens", configs, study.settings, train_one, all_params, tmp,
                          f"MovieLens {next(iter(configs.values())).model} model: dropout vs overfitting")


if __name__ == "__main__":
    run_stage(main)
