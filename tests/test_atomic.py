"""atomic_path: outputs appear whole or not at all."""
from __future__ import annotations

import os
import stat

import pytest

from embedlab.atomic import atomic_path


def names(folder) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_file_success(tmp_path):
    target = tmp_path / "out" / "metrics.json"
    with atomic_path(target) as tmp:
        assert tmp != target
        assert tmp.parent.parent == target.parent  # a temp folder beside the target
        assert not target.exists()
        tmp.write_text("{}\n")
    assert target.read_text() == "{}\n"
    assert names(target.parent) == {"metrics.json"}


def test_file_replaces_previous_version(tmp_path):
    target = tmp_path / "m.txt"
    target.write_text("old")
    with atomic_path(target) as tmp:
        tmp.write_text("new")
        assert target.read_text() == "old"  # untouched until the block ends
    assert target.read_text() == "new"
    assert names(tmp_path) == {"m.txt"}


def test_dir_success(tmp_path):
    target = tmp_path / "data" / "split"
    with atomic_path(target, is_dir=True) as tmp:
        assert tmp.is_dir()
        (tmp / "train.parquet").write_bytes(b"t")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "x").write_text("x")
    assert names(target) == {"train.parquet", "sub"}
    assert (target / "sub" / "x").read_text() == "x"
    assert names(target.parent) == {"split"}


def test_dir_gets_plain_mkdir_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "d", is_dir=True):
            pass
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755


def test_dir_replaces_previous_version(tmp_path):
    target = tmp_path / "d"
    target.mkdir()
    (target / "stale").write_text("s")
    with atomic_path(target, is_dir=True) as tmp:
        (tmp / "fresh").write_text("f")
    assert names(target) == {"fresh"}
    assert names(tmp_path) == {"d"}


def test_file_failure_leaves_nothing(tmp_path):
    target = tmp_path / "m.txt"
    with pytest.raises(ValueError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise ValueError("boom")
    assert not target.exists()
    assert names(tmp_path) == set()


def test_file_failure_keeps_previous_version(tmp_path):
    target = tmp_path / "m.txt"
    target.write_text("previous")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert target.read_text() == "previous"
    assert names(tmp_path) == {"m.txt"}


def test_dir_failure_leaves_nothing(tmp_path):
    target = tmp_path / "raw" / "d"
    with pytest.raises(RuntimeError):
        with atomic_path(target, is_dir=True) as tmp:
            (tmp / "part").write_text("p")
            raise RuntimeError
    assert not target.exists()
    assert names(target.parent) == set()


def test_dir_failure_keeps_previous_version(tmp_path):
    target = tmp_path / "d"
    target.mkdir()
    (target / "good").write_text("g")
    with pytest.raises(RuntimeError):
        with atomic_path(target, is_dir=True) as tmp:
            (tmp / "new").write_text("n")
            raise RuntimeError
    assert names(target) == {"good"}
    assert (target / "good").read_text() == "g"
    assert names(tmp_path) == {"d"}


def test_block_that_writes_nothing_fails_without_leftovers(tmp_path):
    # a file target that the block never wrote: the move fails, and no temp folder is left
    target = tmp_path / "never.txt"
    with pytest.raises(OSError):
        with atomic_path(target):
            pass
    assert names(tmp_path) == set()
