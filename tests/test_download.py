"""download.download / fetch: mirror, network errors, and all-or-nothing output folders."""
from __future__ import annotations

import http.server
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from embedlab import archives
from embedlab.archives import ArchiveSpec, Table
from embedlab.download import archive_name, download
from embedlab.release_record import read_release
from embedlab.errors import EmbedlabError

ML_URL = "http://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
TINY_URL = "http://example.invalid/data/tiny.zip"
TINY_SPEC = ArchiveSpec(extract=True, tables=(Table("tiny/r.csv", 2, ("a", "b")),))
TINY_GOOD = b"a,b\n1,2\n3,4\n"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")


@pytest.fixture
def tiny_spec(monkeypatch):
    monkeypatch.setitem(archives.SPECS, "tiny.zip", TINY_SPEC)


def make_tiny(folder: Path, csv: bytes = TINY_GOOD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("tiny/r.csv", csv)
    return path


def entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_archive_name():
    assert archive_name(ML_URL) == "ml-latest-small.zip"
    assert archive_name("https://x.org/a/b.tar.gz?token=1") == "b.tar.gz"
    with pytest.raises(EmbedlabError, match="file name"):
        archive_name("https://x.org/")


def test_download_from_mirror_lays_out_folder(tmp_path, tiny_spec):
    mirror = tmp_path / "mirror"
    make_tiny(mirror)
    out = tmp_path / "raw" / "tiny"
    checked = download(TINY_URL, out, str(mirror))
    assert (checked.release, checked.known, checked.rows) == ("pinned", True, {"tiny/r.csv": 2})
    assert (out / "tiny" / "r.csv").read_bytes() == TINY_GOOD
    assert entries(out) == {"tiny"}  # the archive itself is gone once extracted, nothing added
    assert entries(out.parent) == {"tiny", "tiny.release.json"}  # no temp folder left beside it
    assert read_release(out) == {"dataset": "tiny.zip", "release": "pinned", "known": True,
                                 "rows": {"tiny/r.csv": 2}}
    assert (mirror / "tiny.zip").is_file()  # the mirror is only read


def test_download_replaces_previous_output(tmp_path, tiny_spec):
    mirror = tmp_path / "mirror"
    make_tiny(mirror)
    out = tmp_path / "raw" / "tiny"
    out.mkdir(parents=True)
    (out / "stale.txt").write_text("old")
    download(TINY_URL, out, str(mirror))
    assert entries(out) == {"tiny"}


def test_download_relative_mirror_is_relative_to_project(tmp_path, tiny_spec, monkeypatch):
    project = tmp_path / "proj"
    (project / "sub").mkdir(parents=True)
    (project / "dvc.yaml").write_text("stages: {}\n")
    make_tiny(project / "mir")
    monkeypatch.chdir(project / "sub")
    out = tmp_path / "out"
    download(TINY_URL, out, "mir")
    assert (out / "tiny" / "r.csv").read_bytes() == TINY_GOOD


def test_mirror_without_archive(tmp_path, tiny_spec):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    out = tmp_path / "raw" / "tiny"
    with pytest.raises(EmbedlabError) as info:
        download(TINY_URL, out, str(mirror))
    msg = str(info.value)
    assert "EMBEDLAB_DATA_MIRROR" in msg
    assert "tiny.zip" in msg
    assert not out.exists()
    assert entries(out.parent) == set()


def test_failed_verify_leaves_nothing(tmp_path, tiny_spec):
    mirror = tmp_path / "mirror"
    make_tiny(mirror, b"a,b\n1,2\n")  # one row short
    out = tmp_path / "raw" / "tiny"
    with pytest.raises(EmbedlabError, match="has 1 rows, expected 2"):
        download(TINY_URL, out, str(mirror))
    assert not out.exists()
    assert entries(out.parent) == set()  # no .tiny.*.tmp beside it


def test_failed_verify_keeps_previous_output(tmp_path, tiny_spec):
    mirror = tmp_path / "mirror"
    make_tiny(mirror, b"a,b\n1,2\n")
    out = tmp_path / "raw" / "tiny"
    out.mkdir(parents=True)
    (out / "good.txt").write_text("previous")
    with pytest.raises(EmbedlabError):
        download(TINY_URL, out, str(mirror))
    assert (out / "good.txt").read_text() == "previous"
    assert entries(out.parent) == {"tiny"}
    assert read_release(out) is None


def test_truncated_mirror_archive_leaves_nothing(tmp_path, tiny_spec):
    mirror = tmp_path / "mirror"
    data = make_tiny(mirror).read_bytes()
    (mirror / "tiny.zip").write_bytes(data[: len(data) // 2])
    out = tmp_path / "raw" / "tiny"
    with pytest.raises(EmbedlabError, match="truncated or corrupt"):
        download(TINY_URL, out, str(mirror))
    assert entries(out.parent) == set()


def test_unknown_archive_name_fails_before_any_output(tmp_path):
    out = tmp_path / "raw" / "x"
    with pytest.raises(EmbedlabError, match="no content check"):
        download("http://example.invalid/mystery.zip", out, str(tmp_path))
    assert not out.exists()


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_error_tells_how_to_use_a_mirror(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/ml-latest-small.zip"
    out = tmp_path / "raw" / "movielens"
    with pytest.raises(EmbedlabError) as info:
        download(url, out, None)
    msg = str(info.value)
    assert f"could not download {url}" in msg
    assert "set EMBEDLAB_DATA_MIRROR to a folder holding ml-latest-small.zip" in msg
    assert not out.exists()
    assert entries(out.parent) == set()


# ---- a local HTTP server --------------------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    lie_about_length: bool = False

    def do_GET(self):  # noqa: N802
        data = self.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data) * 2 if self.lie_about_length else len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("H", (_Handler,), {"files": {}, "lie_about_length": False})
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_over_http(tmp_path, tiny_spec, server):
    handler, base = server
    handler.files["/d/tiny.zip"] = make_tiny(tmp_path / "src").read_bytes()
    out = tmp_path / "raw" / "tiny"
    download(f"{base}/d/tiny.zip", out, None)
    assert (out / "tiny" / "r.csv").read_bytes() == TINY_GOOD
    assert entries(out.parent) == {"tiny", "tiny.release.json"}


def test_download_http_404(tmp_path, tiny_spec, server):
    _, base = server
    out = tmp_path / "raw" / "tiny"
    with pytest.raises(EmbedlabError, match="EMBEDLAB_DATA_MIRROR"):
        download(f"{base}/nothing/tiny.zip", out, None)
    assert entries(out.parent) == set()


def test_download_short_read(tmp_path, tiny_spec, server):
    handler, base = server
    data = make_tiny(tmp_path / "src").read_bytes()
    handler.files["/tiny.zip"] = data
    handler.lie_about_length = True
    out = tmp_path / "raw" / "tiny"
    with pytest.raises(EmbedlabError) as info:
        download(f"{base}/tiny.zip", out, None)
    assert f"stopped after {len(data):,} of {2 * len(data):,} bytes" in str(info.value)
    assert entries(out.parent) == set()


# ---- the real mirror ----------------------------------------------------------------------------

def test_download_real_movielens_from_mirror(tmp_path, mirror):
    out = tmp_path / "out"
    checked = download(ML_URL, out, str(mirror))
    assert read_release(out) == checked.manifest() == {
        "dataset": "ml-latest-small", "release": "2018-09", "known": True,
        "rows": {"ml-latest-small/ratings.csv": 100_836, "ml-latest-small/movies.csv": 9_742,
                 "ml-latest-small/tags.csv": 3_683, "ml-latest-small/links.csv": 9_742}}
    assert entries(out) == {"ml-latest-small"}  # the folder DVC hashes holds only the archive's files
    ratings = out / "ml-latest-small" / "ratings.csv"
    assert ratings.is_file()
    with open(ratings) as f:
        assert f.readline().strip() == "userId,movieId,rating,timestamp"
        assert sum(1 for _ in f) == 100_836
    assert (out / "ml-latest-small" / "movies.csv").is_file()
    assert not (out / "ml-latest-small.zip").exists()


def test_read_release_refuses_a_damaged_record(tmp_path):
    (tmp_path / "movielens.release.json").write_text("{not json")
    with pytest.raises(EmbedlabError, match="movielens.release.json is unreadable"):
        read_release(tmp_path / "movielens")
    (tmp_path / "movielens.release.json").write_text("[1, 2]")
    with pytest.raises(EmbedlabError, match="not a release record"):
        read_release(tmp_path / "movielens")
