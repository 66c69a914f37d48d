"""rossmann_dropout: features + split -> eval/rossmann/dropout (params rossmann.train,
rossmann.dropout_study): the network at several dropout settings, and the train/validation gap of each."""
from pathlib import Path

import pandas as pd

from embedlab import dropout_study, params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.rossmann import learner
from embedlab.rossmann.config import TrainConfig, load_config
from embedlab.rossmann.split import apply_split
from embedlab.training import pick_device

FEATURES = Path("data/rossmann/features/train.parquet")
SPLIT = Path("data/rossmann/split.parquet")
OUT = Path("eval/rossmann/dropout")


def main() -> None:
    all_params = params.load()
    study = load_config(all_params).dropout_study
    configs = dropout_study.study_configs(TrainConfig, params.section(all_params, "rossmann.train"), study,
                                          "rossmann.dropout_study")
    train_df, valid_df = apply_split(pd.read_parquet(FEATURES), pd.read_parquet(SPLIT))

    def train_one(cfg, on_epoch):
        model, prep, history = learner.train(cfg, train_df, valid_df, pick_device(), on_epoch=on_epoch)
        return history, learner.log_mse(model, prep, learner.training_rows(train_df, cfg))

    with atomic_path(OUT, is_dir=True) as tmp:
        dropout_study.run("rossmann", configs, study.settings, train_one, all_params, tmp,
                          "Rossmann entity embeddings: dropout vs overfitting")


if __name__ == "__main__":
    run_stage(main)
