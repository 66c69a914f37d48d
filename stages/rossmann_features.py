"""rossmann_features: the joined tables -> the lesson's features for train and test."""
from embedlab.cli import run_stage
from embedlab.rossmann import pipeline
from embedlab.rossmann.features import build_features


def main() -> None:
    pipeline.write_pair(pipeline.FEATURES, *build_features(*pipeline.read_pair(pipeline.JOINED, "rossmann_join")))


if __name__ == "__main__":
    run_stage(main)
