"""A user mistake ends a stage with one `error:` line, no traceback, and no partial output."""
from __future__ import annotations

import sys
import zipfile

import pytest


def _run_stage(project, script: str, *args: str):
    done = project.run(sys.executable, f"stages/{script}", *args, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_truncated_archive(project, mirror, tmp_path):
    bad_mirror = tmp_path / "mirror"
    bad_mirror.mkdir()
    data = (mirror / "ml-latest-small.zip").read_bytes()
    (bad_mirror / "ml-latest-small.zip").write_bytes(data[: len(data) // 2])
    project.env["EMBEDLAB_DATA_MIRROR"] = str(bad_mirror)
    message = _run_stage(project, "download.py", "movielens", "data/raw/movielens")
    assert "truncated or corrupt" in message
    assert _leftovers(project.path / "data" / "raw") == []


def test_archive_without_a_column(project, mirror, tmp_path):
    bad_mirror = tmp_path / "mirror"
    bad_mirror.mkdir()
    with zipfile.ZipFile(mirror / "ml-latest-small.zip") as src, \
            zipfile.ZipFile(bad_mirror / "ml-latest-small.zip", "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("ratings.csv"):
                data = data.replace(b"userId,movieId,rating,timestamp", b"userId,movieId,score,timestamp")
            dst.writestr(name, data)
    project.env["EMBEDLAB_DATA_MIRROR"] = str(bad_mirror)
    message = _run_stage(project, "download.py", "movielens", "data/raw/movielens")
    assert "lacks column(s) rating" in message
    assert _leftovers(project.path / "data" / "raw") == []


def _raw_release(project, ratings: str) -> None:
    folder = project.path / "data/raw/movielens/ml-latest-small"
    folder.mkdir(parents=True)
    (folder / "ratings.csv").write_text(ratings)
    (folder / "movies.csv").write_text("movieId,title,genres\n1,Toy Story (1995),Comedy\n")


def test_rating_outside_declared_range(project):
    _raw_release(project, "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n2,1,7.5,964982703\n")
    message = _run_stage(project, "movielens_prepare.py")
    assert "outside the declared range 0.5..5.0" in message
    assert not (project.path / "data/movielens/prepared").exists()


def test_ratings_file_missing_a_column(project):
    _raw_release(project, "userId,movieId,timestamp\n1,1,964982703\n")
    assert "lacks column(s) rating" in _run_stage(project, "movielens_prepare.py")
    assert not (project.path / "data/movielens/prepared").exists()


@pytest.mark.parametrize("key, value, expected", [
    ("movielens.train.model", "svd", "movielens.train.model must be one of 'dot', 'neural', got 'svd'"),
    ("movielens.train.lr", "fast", "movielens.train.lr must be float"),
])
def test_bad_params(project, key, value, expected):
    project.set_params(**{key: value})
    assert expected in _run_stage(project, "movielens_train.py")
    assert not (project.path / "data/movielens/model.pt").exists()
