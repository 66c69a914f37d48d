"""(userId, movieId) pairs in, predicted ratings out: the trained model with its id maps, as an
MLflow model that `mlflow models serve` runs."""
from __future__ import annotations

from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd

from embedlab.errors import EmbedlabError
from embedlab.movielens import learner
from embedlab.serving import log_pyfunc, signature

# MovieLens's own names for the ids (ratings.csv), which prepare renames to user and item
COLUMNS = {"userId": "user", "movieId": "item"}


def predict_pairs(model: learner.RatingModel, pairs: pd.DataFrame) -> np.ndarray:
    """The rating of each (userId, movieId) row. An id unseen in training takes the reserved index 0,
    whose embedding and bias are zero, so the prediction rests on what the other id's side learned."""
    missing = [c for c in COLUMNS if c not in pairs]
    if missing:
        raise EmbedlabError(f"the pairs lack column(s) {', '.join(missing)}; send userId and movieId")
    return model.predict(pairs.rename(columns=COLUMNS))


class MovieRatings(mlflow.pyfunc.PythonModel):
    """Serves `predict_pairs`: a frame with userId and movieId in, a `rating` column out."""

    def load_context(self, context):
        self.model = learner.load(Path(context.artifacts["model"]))

    def predict(self, context, model_input: pd.DataFrame, params=None):
        return pd.DataFrame({"rating": predict_pairs(self.model, model_input)})


def log_rating_model(model_path: Path, model: learner.RatingModel, ratings: pd.DataFrame,
                     name: str = "model") -> None:
    """Log `model` (saved at model_path) with a few of `ratings`' pairs as the input example."""
    # int64: JSON numbers arrive as int64, which a schema of int32 columns would refuse
    example = ratings.head(5)[list(COLUMNS.values())].rename(columns={v: k for k, v in COLUMNS.items()})
    example = example.astype("int64").reset_index(drop=True)
    output = pd.DataFrame({"rating": predict_pairs(model, example)})
    log_pyfunc(MovieRatings(), artifacts={"model": str(model_path)}, input_example=example,
               signature=signature(example, output), name=name)
