import io
import tarfile
from pathlib import Path

import pytest

from embedlab.errors import EmbedlabError
from embedlab.imdb.reviews import read_reviews

# Member order is scrambled on purpose: the table must not depend on it.
def _urls(*titles: str) -> bytes:
    return "".join(f"http://www.imdb.com/title/{t}/usercomments\n" for t in titles).encode()


MEMBERS = {
    "aclImdb/README": b"Large Movie Review Dataset v1.0\n",
    "aclImdb/imdb.vocab": b"the\nand\n",
    "aclImdb/train/urls_pos.txt": _urls("tt01", "tt02", "tt03", "tt04"),
    "aclImdb/train/urls_neg.txt": _urls("tt05", "tt06", "tt07"),
    "aclImdb/train/urls_unsup.txt": _urls("tt08", "tt09", "tt10", "tt11", "tt12", "tt13"),
    "aclImdb/test/urls_pos.txt": _urls("tt14"),
    "aclImdb/test/urls_neg.txt": _urls("tt15", "tt16", "tt17", "tt18", "tt19"),
    "aclImdb/train/pos/3_9.txt": b"Loved it.<br /><br />Really.",
    "aclImdb/test/pos/0_10.txt": b"Great \xff film",
    "aclImdb/train/unsup/5_0.txt": "Caf\u00e9 cr\u00e8me, un film".encode(),
    "aclImdb/train/neg/2_1.txt": b"",
    "aclImdb/train/pos/1_7.txt": b"Fine.",
    "aclImdb/test/neg/4_2.txt": b"Bad.",
}


def make_archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for folder in ("aclImdb", "aclImdb/train", "aclImdb/train/pos"):
            info = tarfile.TarInfo(folder)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def archive(tmp_path):
    return make_archive(tmp_path / "aclImdb_v1.tar.gz", MEMBERS)


def test_reads_every_review_and_nothing_else(archive):
    with pytest.warns(UserWarning, match=r"1 review\(s\).*aclImdb/test/pos/0_10.txt"):
        frame = read_reviews(archive)
    assert list(frame.columns) == ["split", "label", "rating", "id", "movie", "text"]
    rows = list(frame[["split", "label", "rating", "id"]].itertuples(index=False, name=None))
    assert rows == [
        ("test", 0, 2, 4),
        ("test", 1, 10, 0),
        ("train", 0, 1, 2),
        ("train", 1, 7, 1),
        ("train", 1, 9, 3),
        ("unsup", -1, 0, 5),
    ]
    assert frame["movie"].tolist() == ["tt19", "tt14", "tt07", "tt02", "tt04", "tt13"]
    assert frame["text"].tolist() == [
        "Bad.",
        "Great \ufffd film",
        "",
        "Fine.",
        "Loved it.<br /><br />Really.",
        "Caf\u00e9 cr\u00e8me, un film",
    ]


def test_column_types_are_compact(archive):
    with pytest.warns(UserWarning):
        frame = read_reviews(archive)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        "split": "str", "label": "int8", "rating": "int8", "id": "int32", "movie": "str", "text": "str",
    }


def test_valid_archive_reads_without_warning(tmp_path, recwarn):
    members = {k: v for k, v in MEMBERS.items() if k != "aclImdb/test/pos/0_10.txt"}
    read_reviews(make_archive(tmp_path / "a.tar.gz", members))
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_binary_review_names_the_member(tmp_path):
    members = {**MEMBERS, "aclImdb/train/neg/9_3.txt": b"\x00\x01\x02binary"}
    with pytest.raises(EmbedlabError, match="aclImdb/train/neg/9_3.txt is binary"):
        read_reviews(make_archive(tmp_path / "a.tar.gz", members))


def test_badly_named_review_names_the_member(tmp_path):
    members = {**MEMBERS, "aclImdb/train/pos/notes.txt": b"hello"}
    with pytest.raises(EmbedlabError, match="aclImdb/train/pos/notes.txt"):
        read_reviews(make_archive(tmp_path / "a.tar.gz", members))


@pytest.mark.parametrize("urls, match", [
    (None, "aclImdb/train/urls_neg.txt is missing"),
    (_urls("tt05"), "aclImdb/train/urls_neg.txt has no line for review 2"),
    (b"not an address\n", "urls_neg.txt, line 1: no IMDb title address"),
])
def test_each_review_needs_its_film(tmp_path, urls, match):
    members = {k: v for k, v in MEMBERS.items() if k != "aclImdb/train/urls_neg.txt"}
    if urls is not None:
        members["aclImdb/train/urls_neg.txt"] = urls
    with pytest.raises(EmbedlabError, match=match):
        read_reviews(make_archive(tmp_path / "a.tar.gz", members))


def test_missing_archive(tmp_path):
    with pytest.raises(EmbedlabError, match="not found"):
        read_reviews(tmp_path / "nope.tar.gz")


def test_not_a_gzip(tmp_path):
    path = tmp_path / "a.tar.gz"
    path.write_bytes(b"this is not an archive")
    with pytest.raises(EmbedlabError, match="not a readable tar.gz"):
        read_reviews(path)


def test_truncated_archive(tmp_path, archive):
    path = tmp_path / "cut.tar.gz"
    data = archive.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(EmbedlabError, match="not a readable tar.gz"):
        read_reviews(path)


def test_archive_without_reviews(tmp_path):
    path = make_archive(tmp_path / "a.tar.gz", {"aclImdb/README": b"readme"})
    with pytest.raises(EmbedlabError, match="no reviews"):
        read_reviews(path)


def test_real_archive_counts(mirror):
    path = mirror / "aclImdb_v1.tar.gz"
    frame = read_reviews(path)
    counts = frame.groupby(["split", "label"]).size().to_dict()
    assert counts == {
        ("test", 0): 12_500,
        ("test", 1): 12_500,
        ("train", 0): 12_500,
        ("train", 1): 12_500,
        ("unsup", -1): 50_000,
    }
    ratings = frame.groupby("label")["rating"].agg(["min", "max"]).to_dict("index")
    assert ratings == {-1: {"min": 0, "max": 0}, 0: {"min": 1, "max": 4}, 1: {"min": 7, "max": 10}}
    assert not frame.duplicated(["split", "label", "id"]).any()
    assert (frame["text"].str.len() > 0).all()
    # the test reviews are about other films than the training ones, but for one film (2 training
    # reviews, 23 test reviews); 3,456 films have training reviews, as the dataset's paper says
    films = frame.groupby("split")["movie"].agg(set)
    assert len(films["train"]) == 3456 and len(films["train"] & films["test"]) == 1
