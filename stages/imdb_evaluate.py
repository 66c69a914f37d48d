"""imdb_evaluate: classifier -> accuracy on the 25,000 test reviews (scored once, here), beside a
TF-IDF + logistic-regression baseline on the same split; confusion matrix, most confidently
wrong reviews. Added to the classifier's MLflow run."""
import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix

from embedlab import params, plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import learner
from embedlab.imdb.baseline import tfidf_logreg
from embedlab.imdb.config import load_config
from embedlab.imdb.predict import LABELS, load_classifier
from embedlab.imdb.reviews import read_reviews

ARCHIVE = Path("data/raw/imdb/aclImdb_v1.tar.gz")
TOKENS = Path("data/imdb/tokens.parquet")
PREPARED = Path("data/imdb/prepared")
CLASSIFIER = Path("data/imdb/classifier")
LM_HISTORY = Path("eval/imdb/lm_history.csv")
CLAS_HISTORY = Path("eval/imdb/classifier_history.csv")
METRICS = Path("eval/imdb/metrics.json")
PLOTS = Path("eval/imdb/plots")
WRONG = Path("eval/imdb/most_confidently_wrong.csv")
N_WRONG = 25


def main() -> None:
    cfg = load_config(params.load()).evaluate
    clf, vocab, clf_cfg = load_classifier(CLASSIFIER / "model.pt")
    test = np.load(PREPARED / "test.npz")
    proba = learner.predict_proba(clf, test["ids"], test["offsets"], clf_cfg.max_len,
                                  precision=clf_cfg.precision)
    y = test["labels"]
    pred = (proba >= 0.5).astype(int)

    reviews = pd.read_parquet(PREPARED / "reviews.parquet").join(pd.read_parquet(TOKENS, columns=["tokens"]))
    train = reviews[reviews["clas_train"]]
    baseline = tfidf_logreg(train["tokens"], train["label"].to_numpy(), cfg.tfidf_ngrams,
                            cfg.tfidf_max_features, seed=0)
    test_rows = reviews.loc[test["row"]]
    valid_rows = reviews[reviews["clas_valid"]]
    scores = {
        "test_accuracy": accuracy_score(y, pred),
        "valid_accuracy": float(pd.read_csv(CLAS_HISTORY)["valid_accuracy"].iloc[-1]),
        "lm_valid_perplexity": float(pd.read_csv(LM_HISTORY)["valid_perplexity"].iloc[-1]),
        "baseline_tfidf_test_accuracy": accuracy_score(y, baseline.predict(test_rows["tokens"])),
        "baseline_tfidf_valid_accuracy": accuracy_score(valid_rows["label"], baseline.predict(valid_rows["tokens"])),
    }
    with atomic_path(METRICS) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    plots.confusion(confusion_matrix(y, pred), list(LABELS), PLOTS / "confusion_matrix.png",
                    f"Test reviews: accuracy {scores['test_accuracy']:.4f}")
    plots.learning_curves(pd.read_csv(LM_HISTORY), PLOTS / "lm_learning_curves.png", "Language model: cross-entropy")
    plots.learning_curves(pd.read_csv(CLAS_HISTORY), PLOTS / "classifier_learning_curves.png",
                          "Classifier: cross-entropy")

    wrong = np.flatnonzero(pred != y)
    worst = wrong[np.argsort(-np.abs(proba[wrong] - 0.5))][:N_WRONG]
    # ids repeat across folders (test/pos/2815 and test/neg/2815): the label is part of the key
    texts = read_reviews(ARCHIVE).set_index(["split", "label", "id"])["text"]
    rows = test_rows.iloc[worst]
    table = pd.DataFrame({"id": rows["id"].to_numpy(), "rating": rows["rating"].to_numpy(),
                          "label": [LABELS[v] for v in y[worst]], "p_positive": proba[worst],
                          "text": [texts[("test", label, i)] for label, i in zip(rows["label"], rows["id"])]})
    with atomic_path(WRONG) as tmp:
        table.to_csv(tmp, index=False)
    with tracking.run("imdb", run_id=tracking.load_run_id(CLASSIFIER)):
        mlflow.log_metrics(scores)
        mlflow.log_artifact(str(METRICS), "evaluation")
        mlflow.log_artifact(str(WRONG), "evaluation")
        mlflow.log_artifacts(str(PLOTS), "evaluation/plots")
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    run_stage(main)
