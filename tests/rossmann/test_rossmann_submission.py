"""rossmann.submission: the Kaggle file, sorted by Id and checked."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.errors import EmbedlabError
from embedlab.rossmann.submission import submission


def test_sorted_by_id_keeping_each_figure_with_its_id():
    test = pd.DataFrame({"Id": [3, 1, 2], "Store": [7, 8, 9]}, index=[100, 5, 7])
    got = submission(test, np.array([30.0, 0.0, 20.5]))
    assert list(got.columns) == ["Id", "Sales"]
    assert got["Id"].tolist() == [1, 2, 3]
    assert got["Sales"].tolist() == [0.0, 20.5, 30.0]  # a closed day's 0 is fine
    assert list(got.index) == [0, 1, 2]


@pytest.mark.parametrize("sales", [[1.0, np.nan, 3.0], [1.0, -0.5, 3.0]])
def test_missing_or_negative_sales_refused(sales):
    test = pd.DataFrame({"Id": [1, 2, 3]})
    with pytest.raises(EmbedlabError, match="missing, negative or repeated"):
        submission(test, np.array(sales))


def test_repeated_id_refused():
    test = pd.DataFrame({"Id": [1, 2, 2]})
    with pytest.raises(EmbedlabError, match="repeated"):
        submission(test, np.array([1.0, 2.0, 3.0]))
