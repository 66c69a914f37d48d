"""imdb_baselines: TF-IDF + logistic regression on the classifier's tokens and split, scored on its
validation reviews and on the test reviews (params imdb.baselines); its own MLflow run."""
import json

import mlflow
from sklearn.metrics import accuracy_score

from embedlab import params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import pipeline
from embedlab.imdb.baseline import tfidf_logreg
from embedlab.imdb.config import load_config


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params).baselines
    reviews = pipeline.read_reviews()
    train, valid, test = (reviews[reviews[role]] for role in pipeline.LABELLED_ROLES)
    model = tfidf_logreg(train["tokens"], train["label"].to_numpy(), cfg.tfidf_ngrams, cfg.tfidf_max_features,
                         seed=0)
    scores = {"baseline_tfidf_valid_accuracy": accuracy_score(valid["label"], model.predict(valid["tokens"])),
              "baseline_tfidf_test_accuracy": accuracy_score(test["label"], model.predict(test["tokens"]))}
    with atomic_path(pipeline.BASELINES) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    with tracking.run("imdb", run_name="baselines", kind="baselines"):
        tracking.log_task_params(all_params, "imdb")
        mlflow.log_metrics(scores)
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    run_stage(main)
