"""lr_find_rossmann (lr_find/dvc.yaml, on demand): the training split -> a learning-rate range test
of the entity-embedding network (params rossmann.train, lr_find)."""
from embedlab import lr_find_run, params
from embedlab.cli import run_stage
from embedlab.rossmann import pipeline
from embedlab.rossmann.find_lr import find_lr
from embedlab.rossmann.config import load_config
from embedlab.training import pick_device


def main() -> None:
    all_params = params.load()
    cfg, finder = load_config(all_params).train, lr_find_run.load_config(all_params, "rossmann")
    train = pipeline.read_split().train
    summary = lr_find_run.record("rossmann", "network", all_params,
                                 lambda: find_lr(cfg, train, finder, pick_device()), trains_at=cfg.lr)
    lr_find_run.write_summary("rossmann", {"network": summary})


if __name__ == "__main__":
    run_stage(main)
