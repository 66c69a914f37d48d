"""rossmann_join: the raw tables -> train and test joined with stores, states, weather and trends
(every join checked)."""
from embedlab.cli import run_stage
from embedlab.rossmann import pipeline
from embedlab.rossmann.join import join_tables
from embedlab.rossmann.tables import read_tables


def main() -> None:
    pipeline.write_pair(pipeline.JOINED, *join_tables(read_tables(pipeline.RAW)))


if __name__ == "__main__":
    run_stage(main)
