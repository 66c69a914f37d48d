"""How much weight NB-SVM should get beside the network (imdb.classifier.nbsvm_weight), chosen on
the classifier's validation reviews (after `dvc repro imdb_classifier`, from
data/imdb/valid_predictions.csv): accuracy, log loss and McNemar's test against NB-SVM alone of the
published model's average per weight. Then, for the weight in params.yaml, how far the published
model is from NB-SVM alone, with a 95% interval from a bootstrap over films: a film's reviews err
together, so the validation share holds less evidence than its count of reviews suggests. The test
reviews are not read: imdb_evaluate scores the chosen weight on them once.

    python benchmarks/imdb_combine.py [--weights 0 0.1 ... 1] [--resamples 2000]
"""
from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, log_loss

from embedlab import params
from embedlab.imdb import pipeline
from embedlab.imdb.config import load_config
from embedlab.imdb.predict import combine
from embedlab.metrics import mcnemar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=float, nargs="+", default=np.round(np.arange(0, 1.01, 0.1), 2).tolist())
    parser.add_argument("--resamples", type=int, default=2000)
    args = parser.parse_args()
    valid = pd.read_csv(pipeline.VALID_PREDICTIONS)
    network, alone, labels = valid["network"].to_numpy(), valid["nbsvm"].to_numpy(), valid["label"].to_numpy()
    print(f"{len(valid):,} validation reviews; one standard error of an accuracy near 0.92: "
          f"{math.sqrt(0.92 * 0.08 / len(valid)):.4f}\n")
    print("| NB-SVM weight | validation accuracy | log loss | only it right / only NB-SVM right, p |\n"
          "|---|---|---|---|")
    for weight in args.weights:
        proba = combine(network, alone, weight)
        paired = mcnemar(labels, proba >= 0.5, alone >= 0.5)
        print(f"| {weight:g} | {accuracy_score(labels, proba >= 0.5):.4f} | "
              f"{log_loss(labels, np.clip(proba, 1e-7, 1 - 1e-7)):.4f} | "
              f"{paired['a_only']} / {paired['b_only']}, {paired['p_value']:.3f} |")

    weight = load_config(params.load()).classifier.nbsvm_weight
    gain = ((combine(network, alone, weight) >= 0.5) == labels).astype(float) - ((alone >= 0.5) == labels)
    films = pipeline.read_roles()["movie"].to_numpy()[valid["row"].to_numpy()]
    _, film = np.unique(films, return_inverse=True)
    per_film, reviews = np.bincount(film, gain), np.bincount(film)
    # resample whole films; the share's accuracy difference is sum(gain) / sum(reviews)
    draws = np.random.default_rng(0).integers(0, len(reviews), size=(args.resamples, len(reviews)))
    boot = per_film[draws].sum(axis=1) / reviews[draws].sum(axis=1)
    low, high = np.percentile(boot, [2.5, 97.5])
    naive = gain.std(ddof=1) / math.sqrt(len(gain))
    print(f"\nweight {weight:g} (params.yaml) minus NB-SVM alone: {gain.mean():+.4f}; 95% interval over "
          f"{len(reviews)} films [{low:+.4f}, {high:+.4f}] (as if the reviews were independent: "
          f"+-{1.96 * naive:.4f})")


if __name__ == "__main__":
    main()
