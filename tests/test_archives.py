"""archives.verify / extract / spec_for on tiny archives built in tmp_path."""
from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from embedlab.archives import ArchiveSpec, Folder, Table, extract, spec_for, verify
from embedlab.errors import EmbedlabError


RATINGS = b"a,b\n1,2\n3,4\n"  # header + 2 rows
SPEC = ArchiveSpec(extract=True, tables=(Table("d/r.csv", 2, ("a", "b")),))


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def make_tgz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(params=["zip", "tgz"])
def make(request, tmp_path):
    """Build an archive of the parametrised kind from {member: bytes}."""
    def _make(members: dict[str, bytes], name: str = "a") -> Path:
        if request.param == "zip":
            return make_zip(tmp_path / f"{name}.zip", members)
        return make_tgz(tmp_path / f"{name}.tar.gz", members)
    return _make


def error_of(path: Path, spec: ArchiveSpec) -> str:
    with pytest.raises(EmbedlabError) as info:
        verify(path, spec)
    return str(info.value)


# ---- verify -----------------------------------------------------------------------------------

def test_verify_passes_on_matching_archive(make):
    verify(make({"d/r.csv": RATINGS, "d/other.txt": b"ignored"}), SPEC)


def test_verify_missing_member(make):
    msg = error_of(make({"d/elsewhere.csv": RATINGS}), SPEC)
    assert "missing member d/r.csv" in msg
    assert "is not the expected archive" in msg


def test_verify_missing_column(make):
    msg = error_of(make({"d/r.csv": b"a,c\n1,2\n3,4\n"}), SPEC)
    assert "d/r.csv lacks column(s) b" in msg


def test_verify_wrong_row_count(make):
    msg = error_of(make({"d/r.csv": b"a,b\n1,2\n3,4\n5,6\n"}), SPEC)
    assert "d/r.csv has 3 rows, expected 2" in msg


def test_verify_reports_every_problem(make):
    spec = ArchiveSpec(extract=True, tables=(Table("d/r.csv", 5, ("a", "b")), Table("d/s.csv", 1, ("x",))))
    msg = error_of(make({"d/r.csv": RATINGS}), spec)
    assert "d/r.csv has 2 rows, expected 5" in msg
    assert "missing member d/s.csv" in msg


def test_verify_quoted_header_names(make):
    verify(make({"d/r.csv": b'"a","b"\n1,2\n3,4\n'}), SPEC)


def test_verify_crlf_header(make):
    verify(make({"d/r.csv": b"a,b\r\n1,2\r\n3,4\r\n"}), SPEC)


def test_verify_last_row_without_newline_counts(make):
    verify(make({"d/r.csv": b"a,b\n1,2\n3,4"}), SPEC)
    # and one row fewer is still caught
    msg = error_of(make({"d/r.csv": b"a,b\n1,2"}, name="b"), SPEC)
    assert "has 1 rows, expected 2" in msg


def test_verify_header_only_file_has_zero_rows(make):
    spec = ArchiveSpec(extract=True, tables=(Table("h.csv", 0, ("a", "b")),))
    verify(make({"h.csv": b"a,b"}), spec)
    verify(make({"h.csv": b"a,b\n"}, name="b"), spec)


def test_verify_headerless_table_counts_every_line(make):
    data = b"1\t2\t3\t4\n5\t6\t7\t8\n9\t10\t11\t12\n"
    verify(make({"u.data": data}), ArchiveSpec(extract=True, tables=(Table("u.data", 3, sep="\t", n_fields=4),)))
    msg = error_of(make({"u.data": data}, name="b"),
                   ArchiveSpec(extract=True, tables=(Table("u.data", 3, sep="\t", n_fields=5),)))
    assert "u.data has 4 fields per line, expected 5" in msg


def test_verify_folder_counts_direct_files_with_suffix(make):
    members = {"top/pos/1.txt": b"x", "top/pos/2.txt": b"y", "top/pos/readme.md": b"no",
               "top/pos/deeper/3.txt": b"nested, not counted", "top/neg/1.txt": b"z"}
    spec = ArchiveSpec(extract=False, folders=(Folder("top/pos/", 2), Folder("top/neg/", 1)))
    verify(make(members), spec)
    msg = error_of(make(members, name="b"), ArchiveSpec(extract=False, folders=(Folder("top/pos/", 3),)))
    assert "top/pos/ holds 2 .txt files, expected 3" in msg


def _big_members() -> dict[str, bytes]:
    # enough (incompressible-ish) bytes that cutting in half lands inside compressed data
    rows = "".join(f"{i},{(i * 7919) % 100003}\n" for i in range(20_000))
    return {"d/r.csv": ("a,b\n" + rows).encode(), "d/z.csv": ("a,b\n" + rows).encode()}


@pytest.mark.parametrize("kind", ["zip", "tgz"])
def test_verify_truncated_archive(tmp_path, kind):
    full = (make_zip if kind == "zip" else make_tgz)(tmp_path / f"full.{kind}", _big_members())
    data = full.read_bytes()
    cut = tmp_path / f"cut.{kind}"
    cut.write_bytes(data[: len(data) // 2])
    msg = error_of(cut, ArchiveSpec(extract=True, tables=(Table("d/r.csv", 20_000, ("a", "b")),)))
    assert "cut." + kind in msg
    assert "truncated or corrupt" in msg


def test_verify_corrupt_zip_member(tmp_path):
    full = make_zip(tmp_path / "full.zip", _big_members())
    data = bytearray(full.read_bytes())
    mid = len(data) // 4  # inside the first member's compressed bytes
    data[mid:mid + 64] = bytes(64)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    msg = error_of(bad, ArchiveSpec(extract=True, tables=(Table("d/r.csv", 20_000, ("a", "b")),)))
    assert "truncated or corrupt" in msg


def test_verify_empty_file_is_corrupt(tmp_path):
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    assert "truncated or corrupt" in error_of(empty, SPEC)


def test_verify_real_truncated_mirror_zip(tmp_path, mirror):
    real = mirror / "ml-latest-small.zip"
    data = real.read_bytes()
    cut = tmp_path / "ml-latest-small.zip"
    cut.write_bytes(data[: len(data) // 2])
    msg = error_of(cut, spec_for("ml-latest-small.zip"))
    assert "ml-latest-small.zip is truncated or corrupt" in msg


# ---- spec_for ----------------------------------------------------------------------------------

def test_spec_for_unknown_archive():
    with pytest.raises(EmbedlabError) as info:
        spec_for("mystery.zip")
    msg = str(info.value)
    assert "'mystery.zip'" in msg
    assert "ml-latest-small.zip" in msg  # lists the known ones


def test_spec_for_known_archive():
    spec = spec_for("ml-latest-small.zip")
    assert spec.extract is True
    assert {t.member for t in spec.tables} == {f"ml-latest-small/{name}.csv"
                                               for name in ("ratings", "movies", "tags", "links")}
    assert spec.checks_lines and set(spec.known()) == {"2018-09", "2016-10"}
    assert not spec_for("rossmann.tgz").checks_lines  # only its one known release passes


# ---- extract -----------------------------------------------------------------------------------

def _files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_extract_zip_and_tgz(make, tmp_path):
    archive = make({"d/r.csv": RATINGS, "d/e/f.txt": b"hi"})
    dest = tmp_path / "dest"
    dest.mkdir()
    extract(archive, dest)
    assert _files_under(dest) == {"d/r.csv", "d/e/f.txt"}
    assert (dest / "d/r.csv").read_bytes() == RATINGS


def _tar_with(path: Path, info: tarfile.TarInfo, data: bytes = b"evil") -> Path:
    with tarfile.open(path, "w:gz") as tf:
        tf.addfile(_plain("ok.txt", b"fine"), io.BytesIO(b"fine"))
        if info.isfile():
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        else:
            tf.addfile(info)
    return path


def _plain(name: str, data: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info


def test_extract_tar_refuses_parent_escape(tmp_path):
    archive = _tar_with(tmp_path / "a.tar.gz", tarfile.TarInfo("../evil.txt"))
    work = tmp_path / "work"
    dest = work / "dest"
    dest.mkdir(parents=True)
    with pytest.raises(EmbedlabError, match="unsafe member refused"):
        extract(archive, dest)
    assert not (work / "evil.txt").exists()
    assert not (tmp_path / "evil.txt").exists()
    assert _files_under(work) <= {"dest/ok.txt"}


def test_extract_tar_absolute_member_writes_nothing_outside(tmp_path):
    outside = tmp_path / "outside" / "evil.txt"
    archive = _tar_with(tmp_path / "a.tar.gz", tarfile.TarInfo(str(outside)))
    dest = tmp_path / "dest"
    dest.mkdir()
    # tarfile's 'data' filter either refuses the member or strips the leading '/' (so it lands
    # inside dest); either way nothing may be written at the absolute path
    try:
        extract(archive, dest)
    except EmbedlabError:
        pass
    assert not outside.exists()
    assert not (tmp_path / "outside").exists()
    for f in _files_under(dest):
        assert (dest / f).resolve().is_relative_to(dest.resolve())


def test_extract_tar_refuses_symlink_out_of_dest(tmp_path):
    link = tarfile.TarInfo("link")
    link.type = tarfile.SYMTYPE
    link.linkname = "../../outside"
    archive = _tar_with(tmp_path / "a.tar.gz", link)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(EmbedlabError, match="unsafe member refused"):
        extract(archive, dest)
    assert not (dest / "link").is_symlink()


def test_extract_zip_with_parent_member_stays_inside(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"../evil.txt": b"evil", "ok.txt": b"fine"})
    work = tmp_path / "work"
    dest = work / "dest"
    dest.mkdir(parents=True)
    extract(archive, dest)
    assert not (work / "evil.txt").exists()
    assert not (tmp_path / "evil.txt").exists()
    assert {p.name for p in work.iterdir()} == {"dest"}
    for f in _files_under(dest):
        assert (dest / f).resolve().is_relative_to(dest.resolve())
    assert (dest / "ok.txt").read_bytes() == b"fine"
