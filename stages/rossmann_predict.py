"""rossmann_predict: model + test features -> data/rossmann/submission.csv (Kaggle format: Id, Sales)"""
from pathlib import Path

import mlflow
import pandas as pd

from embedlab import tracking
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.rossmann import learner
from embedlab.rossmann.submission import submission

TEST = Path("data/rossmann/features/test.parquet")
MODEL = Path("data/rossmann/model")
OUT = Path("data/rossmann/submission.csv")


def main() -> None:
    model, _, prep = learner.load(MODEL / "model.pt")
    test = pd.read_parquet(TEST)
    result = submission(test, learner.predict_sales(model, prep, test))
    with atomic_path(OUT) as tmp:
        result.to_csv(tmp, index=False)
    with tracking.run("rossmann", run_id=tracking.load_run_id(MODEL)):
        mlflow.log_artifact(str(OUT), "submission")
    print(f"{OUT}: {len(result):,} rows, mean predicted sales {result['Sales'].mean():.0f}")


if __name__ == "__main__":
    run_stage(main)
