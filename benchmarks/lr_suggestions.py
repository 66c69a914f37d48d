"""Do the learning-rate finder's suggestions train better than params.yaml's rates? Train a short,
real version of a model at each given rate and print its validation figure, to settle (on
validation, never test) where the finder and params.yaml disagree by more than a factor of three.

    python benchmarks/lr_suggestions.py rossmann 0.002 0.0068 0.02 0.066
    python benchmarks/lr_suggestions.py rossmann_full 0.0068
    python benchmarks/lr_suggestions.py imdb_lm 0.0005 0.003
    python benchmarks/lr_suggestions.py imdb_classifier_2 0.00025 0.01

Run from the project root once the task's data stages have run. The short versions, the same for
every rate: rossmann is its dropout study's training (200k rows, one 4-epoch cycle, one network;
about 2 minutes a rate on 2 cores), rossmann_full the default training's first network alone (all
rows, 10 epochs, seed 42: about 15 minutes); imdb_lm one pass over the first 3M tokens of the language
model's text (about 9 minutes a rate); imdb_classifier_<k> the classifier's stages 1..k as
params.yaml sets them, stage k at the rate given (stage 2: about 12 minutes a rate). Everything
else is params.yaml's. One training at a time:
two at once on 2 cores slow each other several-fold.
"""
from __future__ import annotations

import argparse
import dataclasses
import time

from embedlab import params
from embedlab.cost import cpu_name
from embedlab.training import pick_device


def rossmann(all_params: dict, lr: float, short: bool = True) -> dict[str, float]:
    from embedlab.rossmann import learner, pipeline
    from embedlab.rossmann.config import load_config

    cfg = load_config(all_params)
    changes = cfg.dropout_study.train if short else {"ensemble": 1}
    train_cfg = dataclasses.replace(cfg.train, **changes, lr=lr)
    split = pipeline.read_split()
    history = learner.train(train_cfg, split.train, split.valid, pick_device()).history
    return {"validation RMSPE": history[-1]["valid_rmspe"], "validation loss": history[-1]["valid_loss"]}


def imdb_lm(all_params: dict, lr: float) -> dict[str, float]:
    from embedlab.imdb import learner, pipeline
    from embedlab.imdb.config import load_config

    cfg = dataclasses.replace(load_config(all_params).lm, max_tokens=3_000_000, epochs=1, lr=lr)
    vocab = pipeline.read_vocab()
    train_ids, valid_ids = (pipeline.read_lm_text(role) for role in pipeline.LM_ROLES)
    history = learner.train_lm(cfg, train_ids, valid_ids, vocab, pick_device()).history
    return {"validation perplexity": history[-1]["valid_perplexity"]}


def imdb_classifier(all_params: dict, lr: float, stage: int) -> dict[str, float]:
    from embedlab.imdb import learner, pipeline
    from embedlab.imdb.config import load_config

    cfg = load_config(all_params).classifier
    cfg = dataclasses.replace(cfg, unfreeze=cfg.unfreeze[:stage], epochs=cfg.epochs[:stage],
                              lr=(*cfg.lr[:stage - 1], lr))
    lm = learner.load_lm(pipeline.LM, pipeline.read_vocab())
    train, valid = pipeline.read_labelled("clas_train"), pipeline.read_labelled("clas_valid")
    history = learner.train_classifier(cfg, lm, train.arrays, valid.arrays, pick_device()).history
    return {"validation accuracy": history[-1]["valid_accuracy"], "validation loss": history[-1]["valid_loss"]}


TASKS = {"rossmann": rossmann, "rossmann_full": lambda p, lr: rossmann(p, lr, short=False),
         "imdb_lm": imdb_lm, "imdb_classifier_2": lambda p, lr: imdb_classifier(p, lr, 2),
         "imdb_classifier_3": lambda p, lr: imdb_classifier(p, lr, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("lrs", type=float, nargs="+")
    args = parser.parse_args()
    all_params = params.load()
    rows = []
    for lr in args.lrs:
        start = time.perf_counter()
        figures = TASKS[args.task](all_params, lr)
        rows.append((lr, figures, time.perf_counter() - start))
    print(f"\n{args.task} on {cpu_name()}")
    print(f"{'lr':>10}  " + "  ".join(f"{name:>22}" for name in rows[0][1]) + "  seconds")
    for lr, figures, seconds in rows:
        print(f"{lr:>10.2g}  " + "  ".join(f"{value:>22.4f}" for value in figures.values()) + f"  {seconds:7.0f}")


if __name__ == "__main__":
    main()
