"""lr_find_imdb_classifier (lr_find/dvc.yaml, on demand): the language model and the labelled
training reviews -> a learning-rate range test per stage of gradual unfreezing (params
imdb.classifier, lr_find)."""
from embedlab import lr_find_run, params
from embedlab.cli import run_stage
from embedlab.imdb import learner, pipeline
from embedlab.imdb.config import load_config
from embedlab.imdb.find_lr import find_lr_classifier
from embedlab.training import pick_device


def main() -> None:
    all_params = params.load()
    cfg, finder = load_config(all_params).classifier, lr_find_run.load_config(all_params, "imdb_classifier")
    lm = learner.load_lm(pipeline.LM, pipeline.read_vocab())
    tests = find_lr_classifier(cfg, lm, pipeline.read_labelled("clas_train").arrays, finder, pick_device())
    summaries = {f"stage_{stage + 1}": lr_find_run.record("imdb_classifier", f"stage_{stage + 1}", all_params,
                                                          lambda: next(tests), trains_at=peak_lr)
                 for stage, peak_lr in enumerate(cfg.lr)}
    lr_find_run.write_summary("imdb_classifier", summaries)


if __name__ == "__main__":
    run_stage(main, reuse_freed_memory=False)  # reviews of any length: see cli.run_stage
