"""Logging a pyfunc model that `mlflow models serve` can run anywhere: this package's code travels
with it, and its requirements are given rather than inferred, which saves a subprocess."""
from __future__ import annotations

import warnings
from importlib.metadata import version
from pathlib import Path

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow.models import ModelSignature, infer_signature
from mlflow.types import ColSpec, Schema

# What the package imports on the way to a prediction (training imports tqdm, metrics scikit-learn)
REQUIREMENTS = ("torch", "mlflow", "pandas", "numpy", "pyarrow", "scikit-learn", "tqdm")


def pip_requirements() -> list[str]:
    # The versions that trained the model; torch without its local tag (+cpu), which PyPI lacks
    return [f"{name}=={version(name).split('+')[0]}" for name in REQUIREMENTS]


def signature(input_example: pd.DataFrame, output_example: pd.DataFrame,
              optional: tuple[str, ...] = ()) -> ModelSignature:
    """The examples' columns and types; a request may leave out the `optional` input columns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the hint that int columns cannot hold NaN
        inferred = infer_signature(input_example, output_example)
    inputs = [ColSpec(spec.type, spec.name, required=spec.name not in optional)
              for spec in inferred.inputs.inputs]
    return ModelSignature(Schema(inputs), inferred.outputs)


def log_pyfunc(python_model: mlflow.pyfunc.PythonModel, *, artifacts: dict[str, str],
               input_example: pd.DataFrame, signature: ModelSignature, name: str = "model") -> None:
    import embedlab

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the hint that int columns cannot hold NaN
        mlflow.pyfunc.log_model(
            name=name, python_model=python_model, artifacts=artifacts, signature=signature,
            input_example=input_example, code_paths=[str(Path(embedlab.__file__).parent)],
            pip_requirements=pip_requirements(),
        )
