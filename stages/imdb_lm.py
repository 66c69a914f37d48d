"""imdb_lm: the LM token streams -> the language model (params imdb.lm); MLflow run with perplexity
per epoch, sampled continuations of fixed prompts, and the model file (embedlab-reproduce retrains
the classifier from it)."""
import mlflow

from embedlab import cost, params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import learner, pipeline
from embedlab.imdb.config import load_config
from embedlab.imdb.generate import sample
from embedlab.imdb.tokenize import tokenize
from embedlab.training import pick_device, wants_bf16
from embedlab.training_run import training_run


def main() -> None:
    all_params = params.load()
    cfg = load_config(all_params)
    vocab = pipeline.read_vocab()
    train_ids, valid_ids = (pipeline.read_lm_text(role) for role in pipeline.LM_ROLES)
    device = pick_device()
    with training_run("imdb", pipeline.LM_RUN, all_params, pipeline.lm_datasets(train_ids, valid_ids),
                      tags={"bf16": str(wants_bf16(cfg.lm.precision, device))}) as run:  # what "auto" chose
        mlflow.log_metrics({"vocab_size": len(vocab), "lm_train_tokens": len(train_ids),
                            "lm_valid_tokens": len(valid_ids)})
        with cost.recorded(pipeline.LM_COST, device):
            trained = learner.train_lm(cfg.lm, train_ids, valid_ids, vocab, device, on_epoch=run.log_epoch,
                                       on_step=run.log_steps)
        run.save(pipeline.LM, trained.model.save, pipeline.LM_HISTORY, trained.history)
        mlflow.log_artifact(str(pipeline.LM))
        lines = ["# Language model samples", ""]
        for prompt in cfg.lm_samples.prompts:
            for k in range(cfg.lm_samples.per_prompt):
                words = sample(trained.model.net, vocab, tokenize(prompt), cfg.lm_samples.words,
                               temperature=0.8, seed=k)
                lines.append(f"- **{prompt}** {' '.join(words)}")
        with atomic_path(pipeline.LM_SAMPLES) as tmp:
            tmp.write_text("\n".join(lines) + "\n")
        mlflow.log_artifact(str(pipeline.LM_SAMPLES))
    print("\n".join(lines))
    print(f"validation perplexity {trained.history[-1]['valid_perplexity']:.1f}")


if __name__ == "__main__":
    run_stage(main)
