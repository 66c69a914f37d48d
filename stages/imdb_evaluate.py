"""imdb_evaluate: the classifier -> accuracy on the 25,000 test reviews (scored once, here),
confusion matrix, learning curves, the most confidently wrong reviews; added to the classifier's
MLflow run, whose model then goes in the registry (tracking.register)."""
import json

import mlflow
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix

from embedlab import plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import pipeline
from embedlab.imdb.predict import LABELS, load_classifier, predict_proba
from embedlab.imdb.reviews import read_reviews

N_WRONG = 25


def main() -> None:
    model = load_classifier(pipeline.CLASSIFIER)
    test = pipeline.read_labelled("test")
    proba = predict_proba(model, test.ids, test.offsets)
    y, pred = test.labels, (proba >= 0.5).astype(int)
    scores = {
        "test_accuracy": accuracy_score(y, pred),
        "valid_accuracy": float(pd.read_csv(pipeline.CLASSIFIER_HISTORY)["valid_accuracy"].iloc[-1]),
        "lm_valid_perplexity": float(pd.read_csv(pipeline.LM_HISTORY)["valid_perplexity"].iloc[-1]),
    }
    with atomic_path(pipeline.METRICS) as tmp:
        tmp.write_text(json.dumps(scores, indent=2) + "\n")
    labels = np.array(LABELS)
    with atomic_path(pipeline.TEST_PREDICTIONS) as tmp:  # one row per review: DVC's confusion plot
        pd.DataFrame({"actual": labels[y], "predicted": labels[pred]}).to_csv(tmp, index=False)
    plots.confusion(confusion_matrix(y, pred), list(LABELS), pipeline.PLOTS / "confusion_matrix.png",
                    f"Test reviews: accuracy {scores['test_accuracy']:.4f}")
    plots.learning_curves(pd.read_csv(pipeline.LM_HISTORY), pipeline.LM_CURVES,
                          "Language model: cross-entropy")
    plots.learning_curves(pd.read_csv(pipeline.CLASSIFIER_HISTORY), pipeline.CLASSIFIER_CURVES,
                          "Classifier: cross-entropy")

    wrong = np.flatnonzero(pred != y)
    worst = wrong[np.argsort(-np.abs(proba[wrong] - 0.5))][:N_WRONG]
    # ids repeat across folders (test/pos/2815 and test/neg/2815): the label is part of the key
    texts = read_reviews(pipeline.ARCHIVE).set_index(["split", "label", "id"])["text"]
    rows = pipeline.read_roles().loc[test.rows[worst]]
    table = pd.DataFrame({"id": rows["id"].to_numpy(), "rating": rows["rating"].to_numpy(),
                          "label": labels[y[worst]], "p_positive": proba[worst],
                          "text": [texts[("test", label, i)] for label, i in zip(rows["label"], rows["id"])]})
    with atomic_path(pipeline.WRONG) as tmp:
        table.to_csv(tmp, index=False)
    with tracking.model_run("imdb", pipeline.CLASSIFIER) as run:
        mlflow.log_metrics(scores)
        mlflow.log_artifact(str(pipeline.METRICS), "evaluation")
        mlflow.log_artifact(str(pipeline.WRONG), "evaluation")
        mlflow.log_artifacts(str(pipeline.PLOTS), "evaluation/plots")
    tracking.register("imdb", run.info.run_id)
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    run_stage(main)
