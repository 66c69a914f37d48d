"""imdb_classifier: the LM's encoder + a pooling head, fine-tuned on labelled reviews
(params imdb.classifier); MLflow run with accuracy per epoch, whose model serves raw text."""
from embedlab import cost, params, tracking
from embedlab.cli import run_stage
from embedlab.imdb import learner, pipeline
from embedlab.imdb.config import load_config
from embedlab.imdb.predict import log_review_model
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
            trained = learner.train_classifier(cfg, lm, train.arrays, valid.arrays, device, on_epoch=run.log_epoch)
        run.save(pipeline.CLASSIFIER, trained.model.save, pipeline.CLASSIFIER_HISTORY, trained.history)
        log_review_model(pipeline.CLASSIFIER)
    print(f"validation accuracy {trained.history[-1]['valid_accuracy']:.4f}")


if __name__ == "__main__":
    run_stage(main)
