"""Which reviews each model learns from and is checked on.

The official 25,000 test reviews are scored once, for the final report: they never train the
language model, never choose a model or an epoch (the lesson picked its best cycle on them).
- language model: the labelled training reviews and (some of) the unlabelled ones; a random
  share of those reviews is held out to measure perplexity.
- classifier: the labelled training reviews; a stratified share is held out to follow accuracy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


def _stratified_sample(reviews: pd.DataFrame, split: str, n: int | None, seed: int) -> pd.Index:
    rows = reviews.index[reviews["split"] == split]
    if n is None or n >= len(rows):
        return rows
    kept, _ = train_test_split(rows, train_size=n, random_state=seed, stratify=reviews.loc[rows, "label"])
    return pd.Index(np.sort(kept))


def assign_roles(reviews: pd.DataFrame, lm_valid_frac: float, clas_valid_frac: float,
                 lm_unsup_reviews: int | None, seed: int, labelled_reviews: int | None = None) -> pd.DataFrame:
    """reviews (split, label, id, ...) -> the same rows with boolean columns lm_train, lm_valid,
    clas_train, clas_valid, test. `labelled_reviews` keeps a stratified sample of that many
    train and test reviews each, for quick runs; by default the test set is scored whole."""
    roles = pd.DataFrame(False, index=reviews.index,
                         columns=["lm_train", "lm_valid", "clas_train", "clas_valid", "test"])
    labelled = _stratified_sample(reviews, "train", labelled_reviews, seed)
    fit, hold = train_test_split(labelled, test_size=clas_valid_frac, random_state=seed,
                                 stratify=reviews.loc[labelled, "label"])
    roles.loc[fit, "clas_train"] = True
    roles.loc[hold, "clas_valid"] = True
    roles.loc[_stratified_sample(reviews, "test", labelled_reviews, seed), "test"] = True

    unsup = reviews.index[reviews["split"] == "unsup"]
    if lm_unsup_reviews is not None and lm_unsup_reviews < len(unsup):
        unsup = pd.Index(np.random.default_rng(seed).choice(unsup, lm_unsup_reviews, replace=False))
    lm_text = labelled.append(unsup)
    lm_fit, lm_hold = train_test_split(lm_text, test_size=lm_valid_frac, random_state=seed)
    roles.loc[lm_fit, "lm_train"] = True
    roles.loc[lm_hold, "lm_valid"] = True
    return pd.concat([reviews, roles], axis=1)
