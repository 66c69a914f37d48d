"""The one exception type for problems a user can fix (bad input, bad params, missing data).

Stages print it as a single line and exit non-zero; anything else is a bug and keeps its traceback.
"""


class EmbedlabError(Exception):
    pass


def require(path, stage: str):
    """`path`, if it exists; else the error that names the stage making it."""
    if not path.exists():
        raise EmbedlabError(f"no {path}; run `dvc repro {stage}` first")
    return path
