"""What each canonical archive must contain, and the check that it does.

Figures are from ../shared/datasets/PROVENANCE.md (and GroupLens' READMEs). The mirror's bytes
differ from the original downloads, so we pin contents (members, columns, rows), not checksums.

A dataset may have several releases under one URL (GroupLens re-issues ml-latest-small). A release
is known when every member's row count is one recorded below; a dataset whose tables all declare
their fields also takes an unknown release, but only when every line of every table parses, ids
and ratings are in range, ids refer to rows that exist and no file ends mid-line. Either way
`verify` says which release it took.
"""
from __future__ import annotations

import csv
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, Callable, Iterator

from embedlab.errors import EmbedlabError


# a field's check: its text -> what is wrong with it, or None
Check = Callable[[str], "str | None"]


def _integer(text: str, low: int) -> str | None:
    if not (text.isascii() and text.isdigit()) or int(text) < low:
        return f"{text!r} is not an integer >= {low}"
    return None


def ident(text: str) -> str | None:
    """A positive integer id."""
    return _integer(text, 1)


def count(text: str) -> str | None:
    """A non-negative integer (a timestamp, an IMDB id)."""
    return _integer(text, 0)


def optional_count(text: str) -> str | None:
    return None if text == "" else count(text)


def flag(text: str) -> str | None:
    return None if text in ("0", "1") else f"{text!r} is not 0 or 1"


def text(value: str) -> str | None:
    return None


def stars(low: float, high: float, step: float) -> Check:
    """A rating on the scale low..high in steps of `step` (ml-latest-small: half stars)."""
    def check(value: str) -> str | None:
        try:
            rating = float(value)
        except ValueError:
            return f"{value!r} is not a number"
        if not low <= rating <= high or abs(rating / step - round(rating / step)) > 1e-9:
            return f"{value} is not one of {low:g}..{high:g} in steps of {step:g}"
        return None
    return check


@dataclass(frozen=True)
class Table:
    """A delimited text member: its header (or, without one, its field count) and its data rows
    (in the spec's `release`). With `fields`, one check per field, every line is parsed."""

    member: str
    rows: int
    columns: tuple[str, ...] = ()
    sep: str = ","
    n_fields: int = 0  # for files without a header line
    fields: tuple[Check, ...] = ()
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Folder:
    """A folder of one-file-per-record members (IMDB reviews)."""

    prefix: str
    files: int
    suffix: str = ".txt"


@dataclass(frozen=True)
class Release:
    """Another known release of a dataset: its rows per member (or files per folder)."""

    name: str
    rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ArchiveSpec:
    extract: bool
    tables: tuple[Table, ...] = ()
    folders: tuple[Folder, ...] = field(default=())
    dataset: str = ""
    release: str = "pinned"  # the release whose rows the tables and folders hold
    others: tuple[Release, ...] = ()
    # (member, field index, member, field index): every id in the first is one of the second's
    references: tuple[tuple[str, int, str, int], ...] = ()

    @property
    def checks_lines(self) -> bool:
        """Whether an unknown release can be vetted line by line (else only known ones pass)."""
        return bool(self.tables) and not self.folders and all(t.fields for t in self.tables)

    def known(self) -> dict[str, dict[str, int]]:
        """Release name -> its rows per member and files per folder."""
        pinned = {t.member: t.rows for t in self.tables} | {f.prefix: f.files for f in self.folders}
        return {self.release: pinned} | {r.name: dict(r.rows) for r in self.others}


@dataclass(frozen=True)
class Checked:
    """What `verify` found: which dataset and release, and its rows per member."""

    dataset: str
    release: str  # a known release's name, or "unknown"
    known: bool
    rows: dict[str, int]

    def manifest(self) -> dict:
        return {"dataset": self.dataset, "release": self.release, "known": self.known, "rows": self.rows}

    def describe(self) -> str:
        how = "a known release" if self.known else "an unknown release, every line checked"
        counts = ", ".join(f"{member.rstrip('/').split('/', 1)[-1]} {n:,}" for member, n in self.rows.items())
        return f"{self.dataset} release {self.release} ({how}): {counts}"


_ML_RATINGS = (ident, ident, stars(0.5, 5.0, 0.5), count)
_ML_100K_RATINGS = (ident, ident, stars(1, 5, 1), count)
# u.item: id, title, release date, video release date, IMDb URL, then 19 genre flags
_ML_100K_ITEM = (ident, text, text, text, text) + (flag,) * 19
ML_100K_FOLDS = tuple(f"u{k}" for k in range(1, 6))
_ROSSMANN_STORE = ("Store", "StoreType", "Assortment", "CompetitionDistance",
                   "CompetitionOpenSinceMonth", "CompetitionOpenSinceYear", "Promo2",
                   "Promo2SinceWeek", "Promo2SinceYear", "PromoInterval")

SPECS: dict[str, ArchiveSpec] = {
    "ml-latest-small.zip": ArchiveSpec(
        extract=True, dataset="ml-latest-small", release="2018-09", tables=(
            Table("ml-latest-small/ratings.csv", 100_836, ("userId", "movieId", "rating", "timestamp"),
                  fields=_ML_RATINGS),
            Table("ml-latest-small/movies.csv", 9_742, ("movieId", "title", "genres"), fields=(ident, text, text)),
            Table("ml-latest-small/tags.csv", 3_683, ("userId", "movieId", "tag", "timestamp"),
                  fields=(ident, ident, text, count)),
            Table("ml-latest-small/links.csv", 9_742, ("movieId", "imdbId", "tmdbId"),
                  fields=(ident, count, optional_count)),
        ),
        # the release fast.ai's 2017 lesson used; its README: "100004 ratings and 1296 tag
        # applications across 9125 movies ... created by 671 users ... generated on October 17,
        # 2016", the same four files and headers. links.csv has a row per movie, as in 2018.
        others=(Release("2016-10", (("ml-latest-small/ratings.csv", 100_004), ("ml-latest-small/movies.csv", 9_125),
                                    ("ml-latest-small/tags.csv", 1_296), ("ml-latest-small/links.csv", 9_125))),),
        references=(("ml-latest-small/ratings.csv", 1, "ml-latest-small/movies.csv", 0),),
    ),
    # GroupLens' README: 100,000 ratings (1-5) from 943 users on 1,682 movies; u1..u5 are its
    # five 80%/20% folds, the test sets disjoint (mku.sh)
    "ml-100k.zip": ArchiveSpec(
        extract=True, dataset="ml-100k", release="1998-04", tables=(
            Table("ml-100k/u.data", 100_000, sep="\t", n_fields=4, fields=_ML_100K_RATINGS),
            Table("ml-100k/u.item", 1_682, sep="|", n_fields=24, fields=_ML_100K_ITEM, encoding="latin-1"),
            *(Table(f"ml-100k/{fold}.{part}", rows, sep="\t", n_fields=4, fields=_ML_100K_RATINGS)
              for fold in ML_100K_FOLDS for part, rows in (("base", 80_000), ("test", 20_000))),
        ),
        references=(("ml-100k/u.data", 1, "ml-100k/u.item", 0),),
    ),
    "rossmann.tgz": ArchiveSpec(extract=True, dataset="rossmann", release="kaggle-2015", tables=(
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
    "aclImdb_v1.tar.gz": ArchiveSpec(extract=False, dataset="aclImdb", release="v1", folders=(
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


@dataclass
class _Seen:
    """One table as read: its rows, what is wrong with its shape or its lines, and the ids kept
    for the spec's references (field index -> values)."""

    rows: int
    shape: str | None = None
    lines: str | None = None
    ids: dict[int, set[str]] = field(default_factory=dict)


def _split(line: str, sep: str) -> list[str]:
    # GroupLens' '|' and tab files have no quoting; only the CSVs quote titles with commas
    return next(csv.reader([line], delimiter=sep), []) if sep == "," else line.split(sep)


def _check_line(table: Table, raw: bytes) -> tuple[list[str] | None, str | None]:
    try:
        line = raw.decode(table.encoding).rstrip("\r\n")
    except UnicodeDecodeError:
        return None, f"not {table.encoding} text"
    values = _split(line, table.sep)
    if len(values) != len(table.fields):
        return None, f"{len(values)} fields, expected {len(table.fields)}"
    for i, (value, check) in enumerate(zip(values, table.fields)):
        problem = check(value)
        if problem:
            name = table.columns[i] if i < len(table.columns) else f"field {i + 1}"
            return None, f"{name}: {problem}"
    return values, None


def _check_shape(table: Table, header: str) -> str | None:
    fields = _split(header, table.sep) if header else []
    if table.columns:
        missing = [c for c in table.columns if c not in fields]
        if missing:
            return f"{table.member} lacks column(s) {', '.join(missing)} (header: {header[:120]!r})"
        if table.fields and tuple(fields) != table.columns:
            return f"{table.member} has header {header[:120]!r}, expected {','.join(table.columns)!r}"
    elif len(fields) != table.n_fields:
        return f"{table.member} has {len(fields)} fields per line, expected {table.n_fields}"
    return None


def _count_lines(first: bytes, stream: IO[bytes]) -> int:
    lines, last = (1 if first else 0), b"\n"  # the first line counts whole, newline or not
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    return lines + (last != b"\n")  # a last line without its newline still counts


def _check_table(table: Table, stream: IO[bytes], keep: tuple[int, ...] = ()) -> _Seen:
    first = stream.readline()
    header = first.decode(table.encoding, errors="replace").rstrip("\r\n")
    seen = _Seen(rows=0, shape=_check_shape(table, header), ids={i: set() for i in keep})
    header_lines = 1 if table.columns else 0
    if not table.fields:
        seen.rows = _count_lines(first, stream) - header_lines
        return seen
    bad, first_bad, last = 0, None, first
    for number, raw in enumerate(stream if table.columns else chain([first] if first else [], stream),
                                 start=header_lines + 1):
        seen.rows += 1
        last = raw
        values, problem = _check_line(table, raw)
        if problem:
            bad += 1
            first_bad = first_bad or f"line {number:,}: {problem}"
            continue
        for i in keep:
            seen.ids[i].add(values[i])
    if bad:
        seen.lines = f"{table.member} has {bad:,} line(s) that do not parse ({first_bad})"
    elif last and not last.endswith(b"\n"):
        seen.lines = f"{table.member} ends mid-line (truncated?): {last[-60:].decode(table.encoding, 'replace')!r}"
    return seen


def _reference_problems(spec: ArchiveSpec, seen: dict[str, _Seen]) -> list[str]:
    problems = []
    for member, i, target, j in spec.references:
        if member in seen and target in seen:
            absent = seen[member].ids[i] - seen[target].ids[j]
            if absent:
                problems.append(f"{member} refers to {len(absent):,} id(s) absent from {target} "
                                f"(e.g. {sorted(absent, key=lambda v: (len(v), v))[0]})")
    return problems


def verify(path: Path, spec: ArchiveSpec) -> Checked:
    """Which release of the spec's dataset the archive holds; raise EmbedlabError naming every way
    it differs from the spec: a wrong shape, a bad line, or (where lines are not checked) rows that
    no known release has."""
    tables = {t.member: t for t in spec.tables}
    keep: dict[str, set[int]] = {}
    for member, i, target, j in spec.references:
        keep.setdefault(member, set()).add(i)
        keep.setdefault(target, set()).add(j)
    seen: dict[str, _Seen] = {}
    counts = {f.prefix: 0 for f in spec.folders}
    try:
        for name, stream in _members(path):
            if name in tables:
                seen[name] = _check_table(tables[name], stream, tuple(sorted(keep.get(name, ()))))
            for folder in spec.folders:
                rest = name[len(folder.prefix):]
                if name.startswith(folder.prefix) and "/" not in rest and rest.endswith(folder.suffix):
                    counts[folder.prefix] += 1
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise EmbedlabError(
            f"{path.name} is truncated or corrupt ({type(exc).__name__}: {exc}); "
            "download it again or replace the file in EMBEDLAB_DATA_MIRROR"
        ) from None
    problems = [p for s in seen.values() for p in (s.shape, s.lines) if p]
    problems += [f"missing member {m}" for m in tables if m not in seen]
    problems += _reference_problems(spec, seen)
    rows = {m: seen[m].rows for m in tables if m in seen} | counts
    release = next((name for name, want in spec.known().items() if rows == want), None)
    if release is None and not spec.checks_lines:
        # no line checks to vouch for it: only a known release passes
        problems += [f"{m} has {rows[m]:,} rows, expected {t.rows:,}" for m, t in tables.items()
                     if m in rows and rows[m] != t.rows]
        problems += [f"{f.prefix} holds {counts[f.prefix]:,} {f.suffix} files, expected {f.files:,}"
                     for f in spec.folders if counts[f.prefix] != f.files]
    if problems:
        raise EmbedlabError(f"{path.name} is not the expected archive: " + "; ".join(problems))
    return Checked(spec.dataset or path.name, release or "unknown", release is not None, rows)


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
