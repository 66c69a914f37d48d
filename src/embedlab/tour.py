"""`embedlab-tour`: the whole product in minutes. All three tasks run end to end, through the same
stages and code as `dvc repro`, on the small settings of params.yaml's `tour` section, as one DVC
experiment in a temporary copy of the workspace: the workspace's results are left as they are, the
experiment appears in `dvc exp show` and its runs in MLflow under a name starting "tour-", and
`embedlab-reproduce <task>` never takes a tour's run for a task's latest."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime

from embedlab import params
from embedlab.cli import run_stage
from embedlab.errors import EmbedlabError
from embedlab.project import project_root

PREFIX = "tour-"


def is_tour(exp_name: str | None) -> bool:
    return bool(exp_name) and exp_name.startswith(PREFIX)


def overrides(section: dict) -> list[str]:
    """params.yaml's `tour` section, nested or dotted, as `dvc exp run -S` overrides (JSON values
    are YAML, which is how DVC reads them)."""
    return [f"{key}={json.dumps(value)}" for key, value in params.flatten(section).items()]


def command(name: str, sets: list[str]) -> list[str]:
    return ["dvc", "exp", "run", "--temp", "--name", name, *(arg for s in sets for arg in ("-S", s))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", help=f"the experiment's name (default: {PREFIX}<date>-<time>)")
    args = parser.parse_args()
    name = args.name or f"{PREFIX}{datetime.now():%Y%m%d-%H%M%S}"
    if not is_tour(name):
        raise EmbedlabError(f"a tour's name starts with {PREFIX!r}, so that it is told from real runs: {name!r}")
    root = project_root()
    sets = overrides(params.section(params.load(root / "params.yaml"), "tour"))
    print(f"tour {name}: {' '.join(sets)}", flush=True)
    start = time.perf_counter()
    done = subprocess.run(command(name, sets), cwd=root)
    if done.returncode:
        sys.exit(done.returncode)
    print(f"tour {name} done in {(time.perf_counter() - start) / 60:.1f} min: see `dvc exp show`, and in "
          f"`mlflow ui` the runs named '{name}: ...'")


def cli() -> None:
    run_stage(main)


if __name__ == "__main__":
    cli()
