"""NB-SVM's n-gram range and regularisation, chosen on the IMDB classifier's validation reviews
(after `dvc repro imdb_vocab`): fits on the classifier's training reviews, prints validation
accuracy and fit time per setting. The test reviews are not read: imdb_baselines scores the chosen
setting on them once.

    python benchmarks/imdb_nbsvm.py [--ngrams 1 2 3] [--c 0.03 0.1 0.3 1] [--max-features 800000]
"""
from __future__ import annotations

import argparse
import math
import time

from sklearn.metrics import accuracy_score

from embedlab.cost import cpu_name
from embedlab.imdb import pipeline
from embedlab.imdb.nbsvm import classifier, vectorizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ngrams", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--c", type=float, nargs="+", default=[0.03, 0.1, 0.3, 1.0])
    parser.add_argument("--max-features", type=int, default=800_000)
    args = parser.parse_args()
    roles = pipeline.read_roles()
    reviews = roles[roles["clas_train"] | roles["clas_valid"]].join(pipeline.read_tokens(columns=["tokens"]))
    train, valid = reviews[reviews["clas_train"]], reviews[reviews["clas_valid"]]
    print(f"{cpu_name()}; {len(train):,} training and {len(valid):,} validation reviews", flush=True)
    # one standard error of an accuracy near 0.9 on this many reviews
    print(f"one standard error: {math.sqrt(0.9 * 0.1 / len(valid)):.4f}\n")
    print("| n-grams | C | validation accuracy | fit s |\n|---|---|---|---|", flush=True)
    for ngrams in args.ngrams:
        start = time.perf_counter()
        counts = vectorizer(ngrams, args.max_features).fit(train["tokens"])
        x_train, x_valid = counts.transform(train["tokens"]), counts.transform(valid["tokens"])
        vectorized = time.perf_counter() - start
        for c in args.c:
            start = time.perf_counter()
            model = classifier(c).fit(x_train, train["label"].to_numpy())
            accuracy = accuracy_score(valid["label"], model.predict(x_valid))
            print(f"| 1-{ngrams} | {c:g} | {accuracy:.4f} | {vectorized + time.perf_counter() - start:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
