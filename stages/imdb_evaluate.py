"""imdb_evaluate: the published model (the classifier averaged with NB-SVM) -> accuracy on the
25,000 test reviews (scored once, here; the network's and NB-SVM's alone beside it, and McNemar's
test of the two), confusion matrix, learning curves, the most confidently wrong reviews; added to
the classifier's MLflow run, whose model then goes in the registry (tracking.register)."""
import json

import mlflow
import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix

from embedlab import plots, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import nbsvm, pipeline
from embedlab.imdb.predict import LABELS, accuracies, load_classifier, probabilities
from embedlab.imdb.reviews import read_reviews

N_WRONG = 25


def main() -> None:
    model = load_classifier(pipeline.CLASSIFIER)
    test = pipeline.read_labelled("test")
    probas = probabilities(model, nbsvm.load(pipeline.NBSVM), test)
    proba = probas["model"]
    y, pred = test.labels, (proba >= 0.5).astype(int)
    test_scores = accuracies(probas, y, "test")
    scores = {
        "test_accuracy": test_scores["model_test_accuracy"],
        "valid_accuracy": json.loads(pipeline.VALID_METRICS.read_text())["model_valid_accuracy"],
        "lm_valid_perplexity": float(pd.read_csv(pipeline.LM_HISTORY)["valid_perplexity"].iloc[-1]),
        **test_scores,
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
        # its valid_accuracy is the network's, per epoch; the published model's is model_valid_accuracy
        mlflow.log_metrics({key: value for key, value in scores.items() if key != "valid_accuracy"})
        mlflow.log_artifact(str(pipeline.METRICS), "evaluation")
        mlflow.log_artifact(str(pipeline.WRONG), "evaluation")
        mlflow.log_artifacts(str(pipeline.PLOTS), "evaluation/plots")
    tracking.register("imdb", run.info.run_id)
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    run_stage(main)
