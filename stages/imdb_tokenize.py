"""imdb_tokenize: the review archive -> one row per review (split, label, rating, id, tokens)."""
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.imdb import pipeline
from embedlab.imdb.reviews import read_reviews
from embedlab.imdb.tokenize import tokenize_many, tokens_frame


def main() -> None:
    reviews = read_reviews(pipeline.ARCHIVE)
    tokens = tokens_frame(reviews, tokenize_many(reviews["text"].tolist()))
    with atomic_path(pipeline.TOKENS) as tmp:
        tokens.to_parquet(tmp, index=False, compression="zstd")
    print(f"{len(tokens):,} reviews, {tokens['n_tokens'].sum():,} tokens")


if __name__ == "__main__":
    run_stage(main)
