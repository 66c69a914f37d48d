"""movielens_train: the split -> the trained model (params movielens.train); one MLflow run per
training, whose model serves (userId, movieId) pairs."""
from embedlab import cost, params
from embedlab.cli import run_stage
from embedlab.movielens import learner, pipeline
from embedlab.movielens.config import load_config
from embedlab.movielens.serve import log_rating_model
from embedlab.training import pick_device
from embedlab.training_run import training_run


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params).train
    device = pick_device()
    split = pipeline.read_split()
    with training_run("movielens", cfg.model, all_params, pipeline.datasets(split)) as run:
        with cost.recorded(pipeline.COST, device):
            trained = learner.train(cfg, split.train, split.valid, device, on_epoch=run.log_epoch)
        run.save(pipeline.MODEL, trained.model.save, pipeline.HISTORY, trained.history)
        log_rating_model(pipeline.MODEL, trained.model, split.valid)


if __name__ == "__main__":
    run_stage(main)
