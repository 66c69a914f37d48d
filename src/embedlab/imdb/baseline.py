"""TF-IDF + logistic regression on the same tokens and the same split as the LSTM classifier."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline


def tfidf_logreg(train_tokens: pd.Series, train_labels: np.ndarray, ngrams: int, max_features: int,
                 seed: int):
    """A fitted pipeline; `.predict_proba(tokens)[:, 1]` is P(positive). Tokens are our own
    (space-joined, lower-cased with marker tokens), so both models see the same words."""
    model = make_pipeline(
        TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False,
                        ngram_range=(1, ngrams), min_df=2, max_features=max_features, sublinear_tf=True),
        LogisticRegression(C=4.0, max_iter=2000, random_state=seed),
    )
    return model.fit(train_tokens, train_labels)
