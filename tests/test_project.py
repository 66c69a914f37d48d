"""project_root: the real root, also from dvc exp run --temp copies."""
from __future__ import annotations

from embedlab.project import project_root


def test_from_dvc_exp_temp_copy(tmp_path):
    root = tmp_path / "root"
    sub = root / ".dvc" / "tmp" / "exps" / "tmpabc" / "sub"
    sub.mkdir(parents=True)
    # the copy has its own dvc.yaml, which must not win over the real root
    (root / ".dvc" / "tmp" / "exps" / "tmpabc" / "dvc.yaml").write_text("stages: {}\n")
    assert project_root(sub) == root.resolve()


def test_from_folder_with_dvc_yaml(tmp_path):
    proj = tmp_path / "proj"
    (proj / "a" / "b").mkdir(parents=True)
    (proj / "dvc.yaml").write_text("stages: {}\n")
    assert project_root(proj) == proj.resolve()
    assert project_root(proj / "a" / "b") == proj.resolve()


def test_from_folder_with_dot_dvc(tmp_path):
    proj = tmp_path / "proj"
    (proj / ".dvc").mkdir(parents=True)
    (proj / "src").mkdir()
    assert project_root(proj / "src") == proj.resolve()


def test_defaults_to_cwd(tmp_path, monkeypatch):
    proj = tmp_path / "p"
    (proj / "deep").mkdir(parents=True)
    (proj / "dvc.yaml").write_text("")
    monkeypatch.chdir(proj / "deep")
    assert project_root() == proj.resolve()
