"""download@<task>: fetch the task's archive (or take it from EMBEDLAB_DATA_MIRROR), check it and
unpack it into the folder dvc.yaml names, and record which release it took in
<folder>.release.json: `python stages/download.py <task> <folder>`."""
import os
import sys
from pathlib import Path

from embedlab import params
from embedlab.cli import run_stage
from embedlab.download import MIRROR_ENV, download


def main() -> None:
    task, folder = sys.argv[1:3]
    url = params.section(params.load(), f"download.{task}.url")
    checked = download(url, Path(folder), mirror=os.environ.get(MIRROR_ENV))
    print(f"{url} -> {folder}: {checked.describe()}")


if __name__ == "__main__":
    run_stage(main)
