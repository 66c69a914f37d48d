"""cli.share_cores's pieces: how many threads a stage's torch takes, and how many queue workers run."""
from __future__ import annotations

import pytest

from embedlab.cli import queue_workers, thread_share
from embedlab.errors import EmbedlabError

def test_the_setting_wins_then_the_queue_shares_the_cores_then_torch_decides():
    assert thread_share("3", cpus=2, workers=2) == 3
    assert thread_share(None, cpus=2, workers=2) == 1
    assert thread_share(None, cpus=16, workers=3) == 5
    assert thread_share(None, cpus=2, workers=4) == 1  # never zero
    assert thread_share(None, cpus=8, workers=0) is None  # outside a queue: torch's default
    assert thread_share("", cpus=8, workers=0) is None


@pytest.mark.parametrize("setting", ["0", "two", "-1", "1.5"])
def test_a_bad_thread_setting_is_one_line(setting):
    with pytest.raises(EmbedlabError, match="EMBEDLAB_THREADS"):
        thread_share(setting, cpus=2, workers=0)


def test_queue_workers_are_counted_from_their_command_lines(tmp_path):
    for pid, args in {"11": ["python", "dvc", "exp", "queue-worker", "dvc-exp-1a2b3c-1@localhost", "--clean"],
                      "12": ["python", "dvc", "exp", "queue-worker", "dvc-exp-1a2b3c-2@localhost"],
                      "13": ["python", "stages/movielens_train.py"], "14": ["dvc", "queue", "status"]}.items():
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "cmdline").write_bytes(b"\0".join(a.encode() for a in args) + b"\0")
    assert queue_workers(tmp_path) == 2
