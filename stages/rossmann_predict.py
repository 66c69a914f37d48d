"""rossmann_predict: the networks + test features -> the Kaggle submission (Id, Sales)."""
import mlflow

from embedlab import tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.rossmann import learner, pipeline
from embedlab.rossmann.submission import submission


def main() -> None:
    model = learner.load(pipeline.MODEL)
    test = pipeline.read(pipeline.TEST_FEATURES, "rossmann_features")
    result = submission(test, model.predict(test))
    with atomic_path(pipeline.SUBMISSION) as tmp:
        result.to_csv(tmp, index=False)
    with tracking.model_run("rossmann", pipeline.MODEL):
        mlflow.log_artifact(str(pipeline.SUBMISSION), "submission")
    print(f"{pipeline.SUBMISSION}: {len(result):,} rows, mean predicted sales {result['Sales'].mean():.0f}")


if __name__ == "__main__":
    run_stage(main)
