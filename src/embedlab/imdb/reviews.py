"""The IMDB reviews (aclImdb_v1.tar.gz) as one table, read straight from the archive.

The archive is streamed once (tar in stream mode over a gzip stream) and never extracted:
100,000 small files would be slow to write and slow for DVC to hash. A truncated or corrupted
archive raises `EmbedlabError` rather than yielding fewer reviews.

Decoding: reviews are UTF-8. A byte sequence that is not valid UTF-8 is replaced by U+FFFD and
the run goes on, with one warning naming how many reviews were affected: a stray byte in one
review among 100,000 is not worth stopping a pipeline for, and the replacement stays visible in
the text. A review containing NUL bytes is binary, which means a damaged or wrong archive, and
raises `EmbedlabError` naming the member. An empty review is kept, with text "".

Movie: each review's IMDb title id ("tt0453418"), from the archive's urls_<folder>.txt files,
whose line i is the address of the film that review i is about. The test reviews are about
other films than the training reviews; a validation split that keeps a film's reviews together
is checked on unseen films the same way (`imdb.split`).
"""
from __future__ import annotations

import gzip
import os
import re
import tarfile
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.errors import EmbedlabError

COLUMNS = ("split", "label", "rating", "id", "movie", "text")
_LABELS = {"pos": 1, "neg": 0, "unsup": -1}
_REVIEW_DIR = re.compile(r"(?:\./)?aclImdb/(?:(train|test)/(pos|neg)|train/(unsup))/([^/]+)")
_REVIEW_NAME = re.compile(r"(\d+)_(\d+)\.txt")
_URLS = re.compile(r"(?:\./)?aclImdb/(train|test)/urls_(pos|neg|unsup)\.txt")
_TITLE = re.compile(rb"/title/(tt\d+)/")


def _parse_member(name: str) -> tuple[str, int, int, int] | None:
    """(split, label, rating, id) of a review member; None for any other member."""
    m = _REVIEW_DIR.fullmatch(name)
    if m is None:
        return None
    split, folder, unsup, filename = m.groups()
    file_m = _REVIEW_NAME.fullmatch(filename)
    if file_m is None:
        raise EmbedlabError(
            f"{name}: a review file must be named <id>_<rating>.txt; is this aclImdb_v1.tar.gz?"
        )
    if unsup:
        split, folder = "unsup", "unsup"
    return split, _LABELS[folder], int(file_m.group(2)), int(file_m.group(1))


def _decode(data: bytes, name: str) -> tuple[str, bool]:
    """The review text, and whether invalid UTF-8 had to be replaced."""
    if b"\0" in data:
        raise EmbedlabError(
            f"{name} is binary (contains NUL bytes), not a review; download the archive again"
        )
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def _titles(data: bytes, name: str) -> list[str]:
    """The title id on each line of a urls file."""
    titles = []
    for number, line in enumerate(data.splitlines(), start=1):
        m = _TITLE.search(line)
        if m is None:
            raise EmbedlabError(f"{name}, line {number}: no IMDb title address; is this aclImdb_v1.tar.gz?")
        titles.append(m.group(1).decode())
    return titles


def _movies(rows: dict[str, list], titles: dict[tuple[str, str], list[str]]) -> list[str]:
    """Each review's title id: line `id` of its folder's urls file."""
    movies = []
    for split, label, review_id in zip(rows["split"], rows["label"], rows["id"]):
        key = ("train", "unsup") if split == "unsup" else (split, "pos" if label == 1 else "neg")
        urls = f"aclImdb/{key[0]}/urls_{key[1]}.txt"
        if key not in titles:
            raise EmbedlabError(f"{urls} is missing: it names each review's film; is this aclImdb_v1.tar.gz?")
        if review_id >= len(titles[key]):
            raise EmbedlabError(f"{urls} has no line for review {review_id}; is this aclImdb_v1.tar.gz?")
        movies.append(titles[key][review_id])
    return movies


def _read_members(archive: Path) -> tuple[dict[str, list], list[str]]:
    rows: dict[str, list] = {c: [] for c in COLUMNS if c != "movie"}
    titles: dict[tuple[str, str], list[str]] = {}
    replaced: list[str] = []
    # gzip.open rather than tarfile's own "r|gz": tarfile neither checks the gzip trailer nor
    # complains when the data stops between two members, so a truncated download would just
    # lose every review after the cut.
    with gzip.open(archive, "rb") as gz:
        with tarfile.open(fileobj=gz, mode="r|") as tar:
            for member in tar:
                urls = _URLS.fullmatch(member.name) if member.isfile() else None
                if urls is not None:
                    titles[urls.groups()] = _titles(tar.extractfile(member).read(), member.name)
                    continue
                parsed = _parse_member(member.name) if member.isfile() else None
                if parsed is None:
                    continue
                text, was_replaced = _decode(tar.extractfile(member).read(), member.name)
                if was_replaced:
                    replaced.append(member.name)
                for column, value in zip(rows, (*parsed, text)):
                    rows[column].append(value)
        # Reading past the tar end-of-archive marker makes gzip verify its length and CRC.
        while gz.read(1 << 20):
            pass
    rows["movie"] = _movies(rows, titles) if rows["id"] else []
    return rows, replaced


def read_reviews(archive_path: str | os.PathLike) -> pd.DataFrame:
    """All reviews of the archive: split, label (1 pos, 0 neg, -1 unlabelled), rating, id, movie, text.

    Rows are sorted by split, label and id, so the table does not depend on member order.
    """
    archive = Path(archive_path)
    if not archive.is_file():
        raise EmbedlabError(f"{archive} not found; run the download stage first")
    try:
        rows, replaced = _read_members(archive)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise EmbedlabError(
            f"{archive} is not a readable tar.gz ({exc}); delete it and download it again"
        ) from exc
    if not rows["id"]:
        raise EmbedlabError(
            f"no reviews under aclImdb/train or aclImdb/test in {archive}; "
            "is this aclImdb_v1.tar.gz?"
        )
    if replaced:
        warnings.warn(
            f"{len(replaced)} review(s) had bytes that are not UTF-8, replaced by U+FFFD "
            f"(first: {replaced[0]})",
            stacklevel=2,
        )
    frame = pd.DataFrame(
        {
            "split": pd.array(rows["split"], dtype="str"),
            "label": np.array(rows["label"], dtype=np.int8),
            "rating": np.array(rows["rating"], dtype=np.int8),
            "id": np.array(rows["id"], dtype=np.int32),
            "movie": pd.array(rows["movie"], dtype="str"),
            "text": pd.array(rows["text"], dtype="str"),
        }
    )
    return frame.sort_values(["split", "label", "id"], kind="stable", ignore_index=True)
