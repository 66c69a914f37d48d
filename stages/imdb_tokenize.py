"""imdb_tokenize: the review archive -> data/imdb/tokens.parquet (split, label, rating, id, tokens)"""
from pathlib import Path

from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb.reviews import read_reviews
from embedlab.imdb.tokenize import tokenize_many, tokens_frame

ARCHIVE = Path("data/raw/imdb/aclImdb_v1.tar.gz")
OUT = Path("data/imdb/tokens.parquet")


def main() -> None:
    reviews = read_reviews(ARCHIVE)
    tokens = tokens_frame(reviews, tokenize_many(reviews["text"].tolist()))
    with atomic_path(OUT) as tmp:
        tokens.to_parquet(tmp, index=False, compression="zstd")
    print(f"{len(tokens):,} reviews, {tokens['n_tokens'].sum():,} tokens")


if __name__ == "__main__":
    run_stage(main)
