"""imdb_classifier: the LM's encoder + a pooling head, fine-tuned on labelled reviews
(params imdb.classifier); MLflow run with accuracy per epoch, whose model serves raw text. The
published model averages the network with imdb_baselines' NB-SVM: its validation accuracy, and
McNemar's test against NB-SVM alone, go to eval/imdb/valid_metrics.json, where a trial can stop;
each model's P(positive) per validation review to data/imdb/valid_predictions.csv
(benchmarks/imdb_combine.py weighs them)."""
import json

import mlflow
import pandas as pd

from embedlab import cost, params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import learner, nbsvm, pipeline
from embedlab.imdb.config import load_config
from embedlab.imdb.predict import accuracies, log_review_model, probabilities
from embedlab.training import pick_device, wants_bf16
from embedlab.training_run import training_run


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params).classifier
    lm = learner.load_lm(pipeline.LM, pipeline.read_vocab())
    train, valid = pipeline.read_labelled("clas_train"), pipeline.read_labelled("clas_valid")
    device = pick_device()
    tags = {"bf16": str(wants_bf16(cfg.precision, device)),  # what "auto" chose
            "lm_run_id": tracking.find_model_run("imdb", pipeline.LM) or "not in this store"}
    with training_run("imdb", "classifier", all_params, pipeline.classifier_datasets(train, valid), tags) as run:
        with cost.recorded(pipeline.CLASSIFIER_COST, device):
            trained = learner.train_classifier(cfg, lm, train.arrays, valid.arrays, device, on_epoch=run.log_epoch,
                                               on_step=run.log_steps)
        run.save(pipeline.CLASSIFIER, trained.model.save, pipeline.CLASSIFIER_HISTORY, trained.history)
        baseline = nbsvm.load(pipeline.NBSVM)
        probas = probabilities(trained.model, baseline, valid)
        valid_scores = accuracies(probas, valid.labels, "valid")
        with atomic_path(pipeline.VALID_METRICS) as tmp:
            tmp.write_text(json.dumps(valid_scores, indent=2) + "\n")
        with atomic_path(pipeline.VALID_PREDICTIONS) as tmp:
            pd.DataFrame({"row": valid.rows, "label": valid.labels, **probas}).to_csv(tmp, index=False)
        mlflow.log_metrics(valid_scores)
        log_review_model(trained.model, pipeline.CLASSIFIER, baseline, pipeline.NBSVM)
    print(json.dumps(valid_scores, indent=2))


if __name__ == "__main__":
    run_stage(main, reuse_freed_memory=False)  # reviews of any length: see cli.run_stage
