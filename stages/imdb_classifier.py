"""imdb_classifier: the LM's encoder + a pooling head, fine-tuned on labelled reviews
(params imdb.classifier) -> data/imdb/classifier; MLflow run with accuracy per epoch."""
import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from embedlab import params, tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import learner
from embedlab.imdb.config import load_config
from embedlab.imdb.predict import log_review_model
from embedlab.training import pick_device, wants_bf16

PREPARED = Path("data/imdb/prepared")
LM = Path("data/imdb/lm")
OUT = Path("data/imdb/classifier")
HISTORY = Path("eval/imdb/classifier_history.csv")


def _reviews(role: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = np.load(PREPARED / f"{role}.npz")
    return data["ids"], data["offsets"], data["labels"]


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params)
    vocab = json.loads((PREPARED / "vocab.json").read_text())
    lm_state = learner.load_state(LM / "model.pt", vocab)["state_dict"]
    with tracking.run("imdb", run_name="classifier") as run:
        tracking.log_task_params(all_params, "imdb")
        device = pick_device()
        mlflow.set_tag("bf16", wants_bf16(cfg.classifier.precision, device))  # what "auto" chose
        mlflow.set_tag("lm_run_id", tracking.load_run_id(LM))
        clf, history = learner.train_classifier(
            cfg.classifier, cfg.lm, lm_state, len(vocab), _reviews("clas_train"), _reviews("clas_valid"),
            device, on_epoch=lambda row: tracking.log_epoch(row, step=row["epoch"]))
        with atomic_path(OUT, is_dir=True) as tmp:
            learner.save(tmp / "model.pt", clf, {"lm": cfg.lm, "classifier": cfg.classifier}, vocab)
            tracking.save_run_id(run.info.run_id, tmp)
        with atomic_path(HISTORY) as tmp:
            pd.DataFrame(history).to_csv(tmp, index=False)
        mlflow.log_artifact(str(HISTORY))
        log_review_model(OUT / "model.pt")
    print(f"MLflow run {run.info.run_id}: validation accuracy {history[-1]['valid_accuracy']:.4f}")


if __name__ == "__main__":
    run_stage(main)
