"""What the entity embeddings learned: each value's vector on its first two principal components."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from embedlab.rossmann.model import Ensemble, TabularNet
from embedlab.rossmann.preprocess import Preprocessor


def embedding_components(model: TabularNet | Ensemble, prep: Preprocessor, column: str) -> pd.DataFrame:
    """One row per training value of `column` (index 0, missing/unseen, left out); of an ensemble,
    its first network's (each learns its own coordinates, so they cannot be averaged)."""
    if isinstance(model, Ensemble):
        model = model.members[0]
    position = list(prep.categories).index(column)
    # float64: in float32, threaded BLAS moves the last digits from run to run
    weights = model.embeds[position].weight.detach().numpy()[1:].astype(np.float64)
    pcs = PCA(n_components=2, random_state=0).fit_transform(weights)
    return pd.DataFrame({column: prep.categories[column], "pc1": pcs[:, 0], "pc2": pcs[:, 1]})
