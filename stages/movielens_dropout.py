"""movielens_dropout: the split -> the neural model at several dropout settings, and the
train/validation gap of each (params movielens.train, movielens.dropout_study)."""
from embedlab import dropout_study
from embedlab.cli import run_stage
from embedlab.metrics import regression
from embedlab.movielens import learner, pipeline
from embedlab.movielens.config import TrainConfig
from embedlab.training import pick_device


def main() -> None:
    split = pipeline.read_split()
    ratings = split.train["rating"].to_numpy()

    def train_one(cfg, on_epoch):
        trained = learner.train(cfg, split.train, split.valid, pick_device(), on_epoch=on_epoch)
        return trained.history, regression(ratings, trained.model.predict(split.train))["mse"]

    dropout_study.run("movielens", TrainConfig, train_one, pipeline.DROPOUT,
                      lambda cfg: f"MovieLens {cfg.model} model: dropout vs overfitting")


if __name__ == "__main__":
    run_stage(main)
