"""Which reviews each model learns from and is checked on.

The official 25,000 test reviews are scored once, for the final report: they never train the
language model, never choose a model or an epoch (the lesson picked its best cycle on them).
- classifier: the labelled training reviews; a share of their films is held out, all of a film's
  reviews together, stratified by label, to follow accuracy. The test reviews are about other
  films than the training ones, so validation must be too: a film's other reviews in training
  would help every model there (its title, its cast) and never on test.
- language model: the classifier's training reviews and (some of) the unlabelled ones, never the
  classifier's validation reviews: an encoder that had read them would make validation kinder
  to the network than test is. A random share of the LM's reviews is held out for perplexity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, train_test_split


def _stratified_sample(reviews: pd.DataFrame, split: str, n: int | None, seed: int) -> pd.Index:
    rows = reviews.index[reviews["split"] == split]
    if n is None or n >= len(rows):
        return rows
    kept, _ = train_test_split(rows, train_size=n, random_state=seed, stratify=reviews.loc[rows, "label"])
    return pd.Index(np.sort(kept))


def assign_roles(reviews: pd.DataFrame, lm_valid_frac: float, clas_valid_frac: float,
                 lm_unsup_reviews: int | None, seed: int, labelled_reviews: int | None = None) -> pd.DataFrame:
    """reviews (split, label, movie, ...) -> the same rows with boolean columns lm_train, lm_valid,
    clas_train, clas_valid, test. The classifier's validation share is one fold of
    round(1 / clas_valid_frac) over films. `labelled_reviews` keeps a stratified sample of that
    many train and test reviews each, for quick runs; by default the test set is scored whole."""
    roles = pd.DataFrame(False, index=reviews.index,
                         columns=["lm_train", "lm_valid", "clas_train", "clas_valid", "test"])
    labelled = _stratified_sample(reviews, "train", labelled_reviews, seed)
    folds = StratifiedGroupKFold(n_splits=max(2, round(1 / clas_valid_frac)), shuffle=True, random_state=seed)
    fit, hold = next(folds.split(labelled, reviews.loc[labelled, "label"], reviews.loc[labelled, "movie"]))
    fit, hold = labelled[fit], labelled[hold]
    roles.loc[fit, "clas_train"] = True
    roles.loc[hold, "clas_valid"] = True
    roles.loc[_stratified_sample(reviews, "test", labelled_reviews, seed), "test"] = True

    unsup = reviews.index[reviews["split"] == "unsup"]
    if lm_unsup_reviews is not None and lm_unsup_reviews < len(unsup):
        unsup = pd.Index(np.random.default_rng(seed).choice(unsup, lm_unsup_reviews, replace=False))
    lm_text = fit.append(unsup)
    lm_fit, lm_hold = train_test_split(lm_text, test_size=lm_valid_frac, random_state=seed)
    roles.loc[lm_fit, "lm_train"] = True
    roles.loc[lm_hold, "lm_valid"] = True
    return pd.concat([reviews, roles], axis=1)
