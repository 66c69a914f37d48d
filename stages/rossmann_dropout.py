"""rossmann_dropout: features + split -> the network at several dropout settings, and the
train/validation gap of each (params rossmann.train, rossmann.dropout_study)."""
from embedlab import dropout_study
from embedlab.cli import run_stage
from embedlab.rossmann import learner, pipeline
from embedlab.rossmann.config import TrainConfig
from embedlab.training import pick_device


def main() -> None:
    split = pipeline.read_split()

    def train_one(cfg, on_epoch):
        trained = learner.train(cfg, split.train, split.valid, pick_device(), on_epoch=on_epoch)
        return trained.history, trained.model.log_mse(learner.training_rows(split.train, cfg))

    dropout_study.run("rossmann", TrainConfig, train_one, pipeline.DROPOUT,
                      lambda cfg: "Rossmann entity embeddings: dropout vs overfitting")


if __name__ == "__main__":
    run_stage(main)
