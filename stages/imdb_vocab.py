"""imdb_vocab: tokens -> the vocabulary (from training text), each review's roles, and token ids
as compact arrays (params imdb.vocab)."""
import json

import numpy as np

from embedlab import params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import pipeline
from embedlab.imdb.config import load_config
from embedlab.imdb.split import assign_roles
from embedlab.imdb.vocab import build_vocab, numericalize


def main() -> None:
    cfg = load_config(params.load()).vocab
    reviews = assign_roles(pipeline.read_tokens(), cfg.lm_valid_frac, cfg.clas_valid_frac,
                           cfg.lm_unsup_reviews, cfg.seed, cfg.labelled_reviews)
    vocab = build_vocab(reviews.loc[reviews["lm_train"], "tokens"], cfg.max_size, cfg.min_freq)
    folder = pipeline.PREPARED
    with atomic_path(folder, is_dir=True) as tmp:
        (tmp / pipeline.VOCAB.relative_to(folder)).write_text(json.dumps(vocab))
        reviews.drop(columns="tokens").to_parquet(tmp / pipeline.REVIEWS.relative_to(folder), index=False)
        for role in pipeline.LM_ROLES:
            # LM text in the split's shuffled order, so the stream does not run through one
            # sentiment, then the other
            order = np.random.default_rng(cfg.seed).permutation(reviews.index[reviews[role]])
            ids, _ = numericalize(reviews.loc[order, "tokens"], vocab)
            np.save(tmp / pipeline.lm_text_path(role).relative_to(folder), ids)
        for role in pipeline.LABELLED_ROLES:
            rows = reviews[reviews[role]]
            ids, offsets = numericalize(rows["tokens"], vocab)
            np.savez(tmp / pipeline.labelled_path(role).relative_to(folder), ids=ids, offsets=offsets,
                     labels=rows["label"].to_numpy(np.int64), row=rows.index.to_numpy())
    counts = {role: int(reviews[role].sum()) for role in (*pipeline.LM_ROLES, *pipeline.LABELLED_ROLES)}
    print(f"vocabulary {len(vocab):,} words; reviews per role {counts}")


if __name__ == "__main__":
    run_stage(main)
