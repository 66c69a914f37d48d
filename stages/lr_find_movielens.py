"""lr_find_movielens (lr_find/dvc.yaml, on demand): the training split -> a learning-rate range test
of the dot-product and the neural model at the params' other settings (params movielens.train,
lr_find)."""
import dataclasses

from embedlab import lr_find_run, params
from embedlab.cli import run_stage
from embedlab.movielens import pipeline
from embedlab.movielens.find_lr import find_lr
from embedlab.movielens.config import load_config
from embedlab.training import pick_device


def main() -> None:
    all_params = params.load()
    cfg, finder = load_config(all_params).train, lr_find_run.load_config(all_params, "movielens")
    train = pipeline.read_split().train
    summaries = {}
    for model in ("dot", "neural"):
        model_cfg = dataclasses.replace(cfg, model=model)
        summaries[model] = lr_find_run.record(
            "movielens", model, all_params,
            lambda: find_lr(model_cfg, train, finder, pick_device()), trains_at=cfg.lr)
    lr_find_run.write_summary("movielens", summaries)


if __name__ == "__main__":
    run_stage(main)
