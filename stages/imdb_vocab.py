"""imdb_vocab: tokens -> data/imdb/prepared/ (vocabulary from training text, validation shares,
token ids as compact arrays), params imdb.vocab"""
import json
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab import params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb.config import load_config
from embedlab.imdb.split import assign_roles
from embedlab.imdb.vocab import build_vocab, numericalize

TOKENS = Path("data/imdb/tokens.parquet")
OUT = Path("data/imdb/prepared")


def main() -> None:
    cfg = load_config(params.load()).vocab
    reviews = assign_roles(pd.read_parquet(TOKENS), cfg.lm_valid_frac, cfg.clas_valid_frac,
                           cfg.lm_unsup_reviews, cfg.seed, cfg.labelled_reviews)
    vocab = build_vocab(reviews.loc[reviews["lm_train"], "tokens"], cfg.max_size, cfg.min_freq)
    with atomic_path(OUT, is_dir=True) as tmp:
        (tmp / "vocab.json").write_text(json.dumps(vocab))
        reviews.drop(columns="tokens").to_parquet(tmp / "reviews.parquet", index=False)
        for role in ("lm_train", "lm_valid"):
            # LM text in the split's shuffled order, so the stream does not run through one
            # sentiment, then the other
            order = np.random.default_rng(cfg.seed).permutation(reviews.index[reviews[role]])
            ids, _ = numericalize(reviews.loc[order, "tokens"], vocab)
            np.save(tmp / f"{role}.npy", ids)
        for role in ("clas_train", "clas_valid", "test"):
            rows = reviews[reviews[role]]
            ids, offsets = numericalize(rows["tokens"], vocab)
            np.savez(tmp / f"{role}.npz", ids=ids, offsets=offsets, labels=rows["label"].to_numpy(np.int64),
                     row=rows.index.to_numpy())
    counts = {role: int(reviews[role].sum()) for role in ("lm_train", "lm_valid", "clas_train", "clas_valid", "test")}
    print(f"vocabulary {len(vocab):,} words; reviews per role {counts}")


if __name__ == "__main__":
    run_stage(main)
