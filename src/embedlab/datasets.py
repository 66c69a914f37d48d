"""The data a training reads, named as its MLflow run records it, with a digest of the content
itself (not of a file's bytes), so the same rows give the same digest wherever they were saved."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Union

import numpy as np
import pandas as pd

Data = Union[pd.DataFrame, np.ndarray, dict[str, np.ndarray]]


@dataclass(frozen=True)
class Dataset:
    name: str                                  # e.g. movielens-train; embedlab-reproduce compares by it
    data: Data                                 # a table, or token ids (arrays by name)
    source: Path                               # the file it was read from
    context: Literal["training", "validation"]
    targets: str | None = None                 # a table's target column

    @property
    def digest(self) -> str:
        return digest(self.data)


def digest(data: Data) -> str:
    """16 hex digits of sha256 over the values and their names; a frame's index is not content."""
    h = hashlib.sha256()
    if isinstance(data, pd.DataFrame):
        h.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
        h.update(",".join(map(str, data.columns)).encode())
    else:
        arrays = data if isinstance(data, dict) else {"": data}
        for name, array in arrays.items():
            array = np.ascontiguousarray(array)
            h.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
            h.update(array.tobytes())
    return h.hexdigest()[:16]
