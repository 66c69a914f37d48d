"""How much weight NB-SVM should get beside the network (imdb.classifier.nbsvm_weight), chosen on
the classifier's validation reviews (after `dvc repro imdb_classifier`, from
data/imdb/valid_predictions.csv): accuracy and log loss of the published model's average per
weight. The test reviews are not read: imdb_evaluate scores the chosen weight on them once.

    python benchmarks/imdb_combine.py [--weights 0 0.1 ... 1]
"""
from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, log_loss

from embedlab.imdb import pipeline
from embedlab.imdb.predict import combine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=float, nargs="+", default=np.round(np.arange(0, 1.01, 0.1), 2).tolist())
    args = parser.parse_args()
    valid = pd.read_csv(pipeline.VALID_PREDICTIONS)
    network, alone, labels = valid["network"].to_numpy(), valid["nbsvm"].to_numpy(), valid["label"].to_numpy()
    print(f"{len(valid):,} validation reviews; one standard error of an accuracy near 0.92: "
          f"{math.sqrt(0.92 * 0.08 / len(valid)):.4f}\n")
    print("| NB-SVM weight | validation accuracy | log loss |\n|---|---|---|")
    for weight in args.weights:
        proba = combine(network, alone, weight)
        print(f"| {weight:g} | {accuracy_score(labels, proba >= 0.5):.4f} | "
              f"{log_loss(labels, np.clip(proba, 1e-7, 1 - 1e-7)):.4f} |")


if __name__ == "__main__":
    main()
