"""embedlab-run TASK: the id of the MLflow run that trained the task's current model, found by the
model file's md5, e.g. `mlflow models serve -m runs:/$(embedlab-run movielens)/model`."""
from __future__ import annotations

import argparse
import os

from embedlab import tracking
from embedlab.cli import run_stage
from embedlab.errors import EmbedlabError
from embedlab.imdb import pipeline as imdb
from embedlab.movielens import pipeline as movielens
from embedlab.project import project_root
from embedlab.rossmann import pipeline as rossmann

SERVED = {"movielens": movielens.SERVED, "rossmann": rossmann.SERVED, "imdb": imdb.SERVED}


def run_of(task: str) -> str:
    model = SERVED[task]
    if not model.is_file():
        raise EmbedlabError(f"no {model}; run `dvc repro` (or `dvc pull`) first")
    run_id = tracking.find_model_run(task, model)
    if run_id is None:
        raise EmbedlabError(f"no run in {tracking.tracking_uri()} trained {model}: it was trained "
                            "elsewhere, or its run was deleted; set MLFLOW_TRACKING_URI to its store")
    return run_id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="embedlab-run", description=__doc__.split(", e.g.")[0])
    parser.add_argument("task", choices=sorted(SERVED))
    args = parser.parse_args(argv)
    os.chdir(project_root())
    run_stage(lambda: print(run_of(args.task)))


if __name__ == "__main__":
    main()
