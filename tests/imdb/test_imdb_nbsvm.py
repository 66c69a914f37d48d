"""NB-SVM's log-count ratio by hand on a tiny corpus, and the whole model on separable reviews."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from embedlab.imdb.nbsvm import LogCountRatio, nbsvm


def test_log_count_ratio_by_hand():
    # columns: "great" in both positives, "awful" in the negative, "film" everywhere
    x = sp.csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1]]))
    y = np.array([1, 1, 0])
    ratio = LogCountRatio(alpha=1.0).fit(x, y).ratio_
    p, q = np.array([3, 1, 3]), np.array([1, 2, 2])  # counts + 1, positive and negative rows
    assert ratio == pytest.approx(np.log((p / 7) / (q / 5)))
    assert ratio[0] > 0 > ratio[1]
    scaled = LogCountRatio().fit(x, y).transform(x)
    assert sp.issparse(scaled) and scaled.toarray() == pytest.approx(x.toarray() * ratio)


def test_nbsvm_separates_reviews_by_their_words():
    rng = np.random.default_rng(0)
    filler = ["the", "film", "xxmaj", "plot", "actor", "scene"]
    reviews, labels = [], []
    for i in range(200):
        label = i % 2
        words = list(rng.choice(filler, 8)) + [("great" if label else "awful"), "not bad" if label else "not good"]
        reviews.append(" ".join(words))
        labels.append(label)
    model = nbsvm(ngrams=2, c=1.0, max_features=None).fit(pd.Series(reviews[:150]), np.array(labels[:150]))
    assert (model.predict(pd.Series(reviews[150:])) == np.array(labels[150:])).all()
    proba = model.predict_proba(pd.Series(["the film great", "the film awful"]))[:, 1]
    assert proba[0] > 0.5 > proba[1]
