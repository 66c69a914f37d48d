"""imdb_baselines: TF-IDF + logistic regression and NB-SVM on the classifier's tokens and split,
scored on its validation reviews and on the test reviews (params imdb.baselines); its own MLflow
run. The fitted NB-SVM is kept: the published model averages the network with it."""
import json

import mlflow
from sklearn.metrics import accuracy_score

from embedlab import params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import nbsvm, pipeline
from embedlab.imdb.baseline import tfidf_logreg
from embedlab.imdb.config import load_config


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params).baselines
    reviews = pipeline.read_reviews()
    train, valid, test = (reviews[reviews[role]] for role in pipeline.LABELLED_ROLES)
    y = train["label"].to_numpy()
    models = {"tfidf": tfidf_logreg(train["tokens"], y, cfg.tfidf_ngrams, cfg.tfidf_max_features, seed=0),
              "nbsvm": nbsvm.nbsvm(cfg.nbsvm_ngrams, cfg.nbsvm_c, cfg.nbsvm_max_features).fit(train["tokens"], y)}
    scores = {f"baseline_{name}_{role}_accuracy": accuracy_score(rows["label"], model.predict(rows["tokens"]))
              for name, model in models.items() for role, rows in (("valid", valid), ("test", test))}
    nbsvm.save(models["nbsvm"], pipeline.NBSVM)
    with atomic_path(pipeline.BASELINES) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    with tracking.run("imdb", run_name="baselines", kind="baselines"):
        tracking.log_task_params(all_params, "imdb")
        mlflow.log_metrics(scores)
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    run_stage(main)
