"""rossmann_train: features + split -> the trained networks (params rossmann.train); one MLflow run,
whose model serves raw test.csv rows (with the store tables of the raw data)."""
import pandas as pd

from embedlab import cost, params
from embedlab.cli import run_stage
from embedlab.rossmann import learner, pipeline
from embedlab.rossmann.config import load_config
from embedlab.rossmann.serve import log_sales_model
from embedlab.training import pick_device
from embedlab.training_run import training_run


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params)
    device = pick_device()
    split = pipeline.read_split()
    misleading = {"split.misleading": "random rows leak the future into training"} if cfg.split.method == "random" \
        else None
    with training_run("rossmann", f"{cfg.split.method} split", all_params, pipeline.datasets(split),
                      tags=misleading) as run:
        with cost.recorded(pipeline.COST, device):
            trained = learner.train(cfg.train, split.train, split.valid, device, on_epoch=run.log_epoch,
                                    on_step=run.log_steps)
        run.save(pipeline.MODEL, trained.model.save, pipeline.HISTORY, trained.history)
        # all training rows, the validation window included: the history the features look back on
        log_sales_model(pipeline.MODEL, pipeline.RAW, pd.concat([split.train, split.valid]))


if __name__ == "__main__":
    run_stage(main)
