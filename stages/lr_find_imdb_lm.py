"""lr_find_imdb_lm (lr_find/dvc.yaml, on demand): the LM token stream -> a learning-rate range test
of the language model (params imdb.lm, lr_find)."""
from embedlab import lr_find_run, params
from embedlab.cli import run_stage
from embedlab.imdb import pipeline
from embedlab.imdb.find_lr import find_lr_lm
from embedlab.imdb.config import load_config
from embedlab.training import pick_device


def main() -> None:
    all_params = params.load()
    cfg, finder = load_config(all_params).lm, lr_find_run.load_config(all_params, "imdb_lm")
    vocab, train_ids = pipeline.read_vocab(), pipeline.read_lm_text("lm_train")
    summary = lr_find_run.record("imdb_lm", "language_model", all_params,
                                 lambda: find_lr_lm(cfg, train_ids, vocab, finder, pick_device()),
                                 trains_at=cfg.lr)
    lr_find_run.write_summary("imdb_lm", {"language_model": summary})


if __name__ == "__main__":
    run_stage(main)
