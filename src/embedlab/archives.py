"""What each canonical archive must contain, and the check that it does.

Figures are from ../shared/datasets/PROVENANCE.md (and GroupLens' README for ml-100k). The mirror's
bytes differ from the original downloads, so we pin contents (members, columns, rows), not checksums.
"""
from __future__ import annotations

import csv
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from embedlab.errors import EmbedlabError


@dataclass(frozen=True)
class Table:
    """A delimited text member: its header (or, without one, its field count) and its data rows."""

    member: str
    rows: int
    columns: tuple[str, ...] = ()
    sep: str = ","
    n_fields: int = 0  # for files without a header line


@dataclass(frozen=True)
class Folder:
    """A folder of one-file-per-record members (IMDB reviews)."""

    prefix: str
    files: int
    suffix: str = ".txt"


@dataclass(frozen=True)
class ArchiveSpec:
    extract: bool
    tables: tuple[Table, ...] = ()
    folders: tuple[Folder, ...] = field(default=())


_ROSSMANN_STORE = ("Store", "StoreType", "Assortment", "CompetitionDistance",
                   "CompetitionOpenSinceMonth", "CompetitionOpenSinceYear", "Promo2",
                   "Promo2SinceWeek", "Promo2SinceYear", "PromoInterval")

SPECS: dict[str, ArchiveSpec] = {
    "ml-latest-small.zip": ArchiveSpec(extract=True, tables=(
        Table("ml-latest-small/ratings.csv", 100_836, ("userId", "movieId", "rating", "timestamp")),
        Table("ml-latest-small/movies.csv", 9_742, ("movieId", "title", "genres")),
    )),
    "ml-100k.zip": ArchiveSpec(extract=True, tables=(
        Table("ml-100k/u.data", 100_000, sep="\t", n_fields=4),
        Table("ml-100k/u.item", 1_682, sep="|", n_fields=24),
    )),
    "rossmann.tgz": ArchiveSpec(extract=True, tables=(
        Table("train.csv", 1_017_209, ("Store", "DayOfWeek", "Date", "Sales", "Customers", "Open",
                                       "Promo", "StateHoliday", "SchoolHoliday")),
        Table("test.csv", 41_088, ("Id", "Store", "DayOfWeek", "Date", "Open", "Promo",
                                   "StateHoliday", "SchoolHoliday")),
        Table("store.csv", 1_115, _ROSSMANN_STORE),
        Table("store_states.csv", 1_115, ("Store", "State")),
        Table("state_names.csv", 16, ("StateName", "State")),
        Table("weather.csv", 15_840, ("file", "Date")),
        Table("googletrend.csv", 2_072, ("file", "week", "trend")),
        Table("sample_submission.csv", 41_088, ("Id", "Sales")),
    )),
    "aclImdb_v1.tar.gz": ArchiveSpec(extract=False, folders=(
        Folder("aclImdb/train/pos/", 12_500),
        Folder("aclImdb/train/neg/", 12_500),
        Folder("aclImdb/train/unsup/", 50_000),
        Folder("aclImdb/test/pos/", 12_500),
        Folder("aclImdb/test/neg/", 12_500),
    )),
}


def spec_for(archive_name: str) -> ArchiveSpec:
    try:
        return SPECS[archive_name]
    except KeyError:
        raise EmbedlabError(
            f"no content check is defined for '{archive_name}'; known archives: {', '.join(SPECS)}"
        ) from None


def _members(path: Path) -> Iterator[tuple[str, IO[bytes] | None]]:
    """(name, stream) of each regular member, in archive order, reading a .tar.gz in one pass."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    with zf.open(info) as stream:
                        yield info.filename, stream
        return
    with tarfile.open(path, mode="r|*") as tf:
        for info in tf:
            if info.isfile():
                yield info.name, tf.extractfile(info)


def _check_table(table: Table, stream: IO[bytes]) -> str | None:
    header = stream.readline().decode("utf-8", errors="replace").rstrip("\r\n")
    fields = next(csv.reader([header], delimiter=table.sep), [])
    lines = 1 if header else 0
    last = b"\n"
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    lines += last != b"\n"  # a last line without its newline still counts
    if table.columns:
        missing = [c for c in table.columns if c not in fields]
        if missing:
            return f"{table.member} lacks column(s) {', '.join(missing)} (header: {header[:120]!r})"
        rows = lines - 1
    else:
        if len(fields) != table.n_fields:
            return f"{table.member} has {len(fields)} fields per line, expected {table.n_fields}"
        rows = lines
    if rows != table.rows:
        return f"{table.member} has {rows:,} rows, expected {table.rows:,}"
    return None


def verify(path: Path, spec: ArchiveSpec) -> None:
    """Raise EmbedlabError naming every way the archive differs from its spec."""
    tables = {t.member: t for t in spec.tables}
    seen: set[str] = set()
    counts = {f.prefix: 0 for f in spec.folders}
    problems: list[str] = []
    try:
        for name, stream in _members(path):
            if name in tables:
                seen.add(name)
                problem = _check_table(tables[name], stream)
                if problem:
                    problems.append(problem)
            for folder in spec.folders:
                rest = name[len(folder.prefix):]
                if name.startswith(folder.prefix) and "/" not in rest and rest.endswith(folder.suffix):
                    counts[folder.prefix] += 1
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise EmbedlabError(
            f"{path.name} is truncated or corrupt ({type(exc).__name__}: {exc}); "
            "download it again or replace the file in EMBEDLAB_DATA_MIRROR"
        ) from None
    problems += [f"missing member {m}" for m in tables if m not in seen]
    problems += [f"{f.prefix} holds {counts[f.prefix]:,} {f.suffix} files, expected {f.files:,}"
                 for f in spec.folders if counts[f.prefix] != f.files]
    if problems:
        raise EmbedlabError(f"{path.name} is not the expected archive: " + "; ".join(problems))


def extract(path: Path, dest: Path) -> None:
    """Unpack into dest; a member that would land outside dest is an error, not a write."""
    try:
        if zipfile.is_zipfile(path):
            # zipfile drops absolute roots and '..' parts itself, so nothing lands outside dest
            with zipfile.ZipFile(path) as zf:
                zf.extractall(dest)
        else:
            with tarfile.open(path) as tf:
                tf.extractall(dest, filter="data")
    except tarfile.FilterError as exc:
        raise EmbedlabError(f"{path.name}: unsafe member refused ({exc})") from None
