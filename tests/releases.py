"""Archives in the shape of MovieLens releases, built from the real ml-latest-small in the mirror
(GroupLens is out of reach here, and the mirror holds only the current release): an earlier
release's row counts, ml-100k's files and folds, and damaged copies."""
from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

SMALL = "ml-latest-small/"
# the 2016-10 release the 2017 lesson used (archives.py records it)
COUNTS_2016 = {"ratings.csv": 100_004, "movies.csv": 9_125, "tags.csv": 1_296, "links.csv": 9_125}


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def lines(data: bytes) -> tuple[bytes, list[bytes]]:
    """(header line, data lines), each with its newline."""
    header, *rows = data.splitlines(keepends=True)
    return header, rows


def with_lines(files: dict[str, bytes], member: str, rows: list[bytes]) -> dict[str, bytes]:
    header, _ = lines(files[SMALL + member])
    return {**files, SMALL + member: header + b"".join(rows)}


def shaped_2016(current: dict[str, bytes]) -> dict[str, bytes]:
    """The current release cut to the 2016 release's row counts, every rating's movie kept."""
    _, ratings = lines(current[SMALL + "ratings.csv"])
    rated = Counter(row.split(b",")[1] for row in ratings)
    _, movies = lines(current[SMALL + "movies.csv"])
    ids = [row.split(b",", 1)[0] for row in movies]
    kept = set(sorted(ids, key=lambda i: (-rated[i], int(i)))[:COUNTS_2016["movies.csv"]])
    ratings = [row for row in ratings if row.split(b",")[1] in kept]
    assert len(ratings) >= COUNTS_2016["ratings.csv"]
    files = with_lines(current, "ratings.csv", ratings[:COUNTS_2016["ratings.csv"]])
    files = with_lines(files, "movies.csv", [row for row in movies if row.split(b",", 1)[0] in kept])
    files = with_lines(files, "tags.csv", lines(current[SMALL + "tags.csv"])[1][:COUNTS_2016["tags.csv"]])
    links = lines(current[SMALL + "links.csv"])[1]
    return with_lines(files, "links.csv", [row for row in links if row.split(b",", 1)[0] in kept])


def shaped_100k(current: dict[str, bytes], n: int = 5_000, seed: int = 0) -> dict[str, bytes]:
    """An ml-100k-shaped archive from a sample of the real ratings: ids renumbered from 1, whole
    stars (1-5), u.data tab-separated in no order, u.item '|'-separated latin-1 with 24 fields, and
    u1..u5 as GroupLens' mku.sh makes them: the test sets a disjoint partition of u.data (n / 5
    each), u{k}.base the rest, both sorted by user and item."""
    rng = np.random.default_rng(seed)
    _, rows = lines(current[SMALL + "ratings.csv"])
    sample = [rows[i].decode().strip().split(",") for i in sorted(rng.choice(len(rows), n, replace=False))]
    users = {u: k for k, u in enumerate(sorted({int(r[0]) for r in sample}), start=1)}
    items = {i: k for k, i in enumerate(sorted({int(r[1]) for r in sample}), start=1)}
    data = [(users[int(u)], items[int(i)], min(5, max(1, int(np.ceil(float(r))))), int(t)) for u, i, r, t in sample]
    titles = {int(row.split(b",", 1)[0]): row.decode() for row in lines(current[SMALL + "movies.csv"])[1]}
    item_lines = []
    for movie, k in sorted(items.items(), key=lambda kv: kv[1]):
        title = titles[movie].split(",", 1)[1].rsplit(",", 1)[0].strip('"').replace("|", "/")
        item_lines.append(f"{k}|{title}|01-Jan-1995||http://us.imdb.com/M/title-exact?{k}|" + "|".join("0" * 18 + "1"))

    def tsv(rows) -> bytes:
        return "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows).encode()

    order = rng.permutation(len(data))
    files = {"ml-100k/u.data": tsv([data[j] for j in order]),
             "ml-100k/u.item": ("\n".join(item_lines) + "\n").encode("latin-1", errors="replace")}
    for k, test_idx in enumerate(np.array_split(rng.permutation(len(data)), 5), start=1):
        in_test = set(test_idx.tolist())
        files[f"ml-100k/u{k}.test"] = tsv(sorted(data[j] for j in in_test))
        files[f"ml-100k/u{k}.base"] = tsv(sorted(data[j] for j in range(len(data)) if j not in in_test))
    return files
