"""imdb_lm: LM token streams -> data/imdb/lm (params imdb.lm); MLflow run with perplexity per
epoch and sampled continuations of fixed prompts."""
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
from embedlab.imdb.generate import sample
from embedlab.imdb.tokenize import tokenize
from embedlab.training import pick_device, wants_bf16

PREPARED = Path("data/imdb/prepared")
OUT = Path("data/imdb/lm")
HISTORY = Path("eval/imdb/lm_history.csv")
SAMPLES = Path("eval/imdb/lm_samples.md")


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params)
    vocab = json.loads((PREPARED / "vocab.json").read_text())
    train_ids, valid_ids = np.load(PREPARED / "lm_train.npy"), np.load(PREPARED / "lm_valid.npy")
    with tracking.run("imdb", run_name="language model") as run:
        tracking.log_task_params(all_params, "imdb")
        device = pick_device()
        mlflow.set_tag("bf16", wants_bf16(cfg.lm.precision, device))  # what "auto" chose
        mlflow.log_metrics({"vocab_size": len(vocab), "lm_train_tokens": len(train_ids),
                            "lm_valid_tokens": len(valid_ids)})
        lm, history = learner.train_lm(cfg.lm, train_ids, valid_ids, len(vocab), device,
                                       on_epoch=lambda row: tracking.log_epoch(row, step=row["epoch"]))
        with atomic_path(OUT, is_dir=True) as tmp:
            learner.save(tmp / "model.pt", lm, {"lm": cfg.lm}, vocab)
            tracking.save_run_id(run.info.run_id, tmp)
        with atomic_path(HISTORY) as tmp:
            pd.DataFrame(history).to_csv(tmp, index=False)
        lines = ["# Language model samples", ""]
        for prompt in cfg.evaluate.prompts:
            prompt_tokens = tokenize(prompt)
            for k in range(cfg.evaluate.samples):
                words = sample(lm, vocab, prompt_tokens, cfg.evaluate.sample_words, temperature=0.8, seed=k)
                lines.append(f"- **{prompt}** {' '.join(words)}")
        with atomic_path(SAMPLES) as tmp:
            tmp.write_text("\n".join(lines) + "\n")
        mlflow.log_artifact(str(HISTORY))
        mlflow.log_artifact(str(SAMPLES))
    print("\n".join(lines))
    print(f"MLflow run {run.info.run_id}: validation perplexity {history[-1]['valid_perplexity']:.1f}")


if __name__ == "__main__":
    run_stage(main)
