"""The Kaggle submission: one Sales figure per test Id, checked before it is written."""
from __future__ import annotations

import numpy as np
import pandas as pd

from embedlab.errors import EmbedlabError


def submission(test: pd.DataFrame, sales: np.ndarray) -> pd.DataFrame:
    result = pd.DataFrame({"Id": test["Id"].to_numpy(), "Sales": sales}).sort_values("Id", ignore_index=True)
    if result["Sales"].isna().any() or (result["Sales"] < 0).any() or result["Id"].duplicated().any():
        raise EmbedlabError("the submission has missing, negative or repeated values; the model or "
                            "the test features are broken")
    return result
