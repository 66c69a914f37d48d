"""A grid queued with `dvc exp run --queue` and run by two `dvc queue` workers at once: both runs
land, complete and named, in the one SQLite store of the project's root."""
from __future__ import annotations

import json
import os

import pytest

pytestmark = pytest.mark.e2e
GRID = {"lr-high": "0.02", "lr-low": "0.002"}


@pytest.fixture(scope="module")
def grid(new_project):
    project = new_project()
    project.set_params(**{"movielens.train.epochs": 1, "movielens.train.batch_size": 512})
    project.run("dvc", "repro", "movielens_split")  # shared inputs: the experiments take them from the cache
    project.commit("split")
    for name, lr in GRID.items():
        project.run("dvc", "exp", "run", "--queue", "--name", name, "-S", f"movielens.train.lr={lr}",
                    "movielens_evaluate")
    project.start_queue(2)
    status = project.wait_for_queue()
    return project, status


def test_both_experiments_succeed_and_show_in_dvc(grid):
    project, status = grid
    failed = [line.split()[0] for line in status.splitlines() if line.endswith("Failed")]
    logs = "\n".join(project.run("dvc", "queue", "logs", task, check=False).stdout[-3000:] for task in failed)
    assert status.count("Success") == 2, f"{status}\n{logs}"
    shown = json.loads(project.run("dvc", "exp", "show", "--json").stdout)
    experiments = {exp["name"]: exp for baseline in shown for exp in (baseline.get("experiments") or [])}
    assert set(GRID) <= set(experiments), list(experiments)
    for name, lr in GRID.items():
        data = experiments[name]["revs"][0]["data"]
        assert data["params"]["params.yaml"]["data"]["movielens"]["train"]["lr"] == float(lr)
        assert data["metrics"]["eval/movielens/metrics.json"]["data"]["model"]["rmse"] > 0


def test_both_runs_land_complete_and_named_in_the_root_store(grid):
    project, _ = grid
    runs = {r.data.tags.get("dvc.exp_name"): r for r in project.runs("movielens")}
    assert set(GRID) <= set(runs), list(runs)
    for name, lr in GRID.items():
        run = runs[name]
        assert run.info.status == "FINISHED"
        assert run.info.run_name == f"{name}: dot"
        assert run.data.params["movielens.train.lr"] == lr
        assert "final_rmse" in run.data.metrics  # evaluation, in another stage process, found the run
        assert run.info.artifact_uri.startswith((project.path / "mlartifacts").as_uri())
        # two workers share the cores: each training took half, not torch's default of all of them
        assert run.data.tags["torch.threads"] == str(max(1, len(os.sched_getaffinity(0)) // 2))
    # Not asserted: that the two runs overlap in time. That is up to the workers' start-up (each
    # copies and checks out its own workspace first, and a run here lasts seconds), and asserting
    # it failed by chance.
