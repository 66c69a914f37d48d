"""Which release an archive holds: known ones by their contents, an unknown one only when every line
checks out, and damaged ones refused in one line. Archives are built from the real ml-latest-small
(tests/releases.py); the stage's own output is checked on a copy of the project."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import releases
from releases import SMALL
from embedlab.archives import spec_for, verify
from embedlab.download import download
from embedlab.release_record import read_release
from embedlab.errors import EmbedlabError

ML_URL = "http://files.grouplens.org/datasets/movielens/ml-latest-small.zip"


@pytest.fixture(scope="module")
def current(mirror) -> dict[str, bytes]:
    return releases.members(mirror / "ml-latest-small.zip")


def check(tmp_path: Path, files: dict[str, bytes], name: str = "ml-latest-small.zip"):
    return verify(releases.write_zip(tmp_path / name, files), spec_for(name))


def refusal(tmp_path: Path, files: dict[str, bytes], name: str = "ml-latest-small.zip") -> str:
    with pytest.raises(EmbedlabError) as info:
        check(tmp_path, files, name)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(f"{name} is not the expected archive: "), msg
    return msg


def test_the_current_release_is_known(mirror):
    checked = verify(mirror / "ml-latest-small.zip", spec_for("ml-latest-small.zip"))
    assert (checked.dataset, checked.release, checked.known) == ("ml-latest-small", "2018-09", True)
    assert checked.rows[SMALL + "ratings.csv"] == 100_836
    assert checked.describe().startswith("ml-latest-small release 2018-09 (a known release): ratings.csv 100,836")


def test_the_lessons_2016_release_is_known_by_its_counts(tmp_path, current):
    checked = check(tmp_path, releases.shaped_2016(current))
    assert (checked.release, checked.known) == ("2016-10", True)
    assert {m.removeprefix(SMALL): n for m, n in checked.rows.items()} == releases.COUNTS_2016


def test_an_unknown_but_sound_release_is_taken_and_recorded_as_unknown(tmp_path, current):
    _, rows = releases.lines(current[SMALL + "ratings.csv"])
    mirror = tmp_path / "mirror"
    releases.write_zip(mirror / "ml-latest-small.zip", releases.with_lines(current, "ratings.csv", rows[:-10]))
    out = tmp_path / "raw" / "movielens"
    checked = download(ML_URL, out, str(mirror))
    assert (checked.release, checked.known) == ("unknown", False)
    record = read_release(out)
    assert record == json.loads((tmp_path / "raw" / "movielens.release.json").read_text())
    assert record["known"] is False and record["release"] == "unknown"
    assert record["rows"][SMALL + "ratings.csv"] == 100_826
    assert "every line checked" in checked.describe()


def test_an_ml_100k_shaped_archive_is_vetted_line_by_line(tmp_path, current):
    checked = check(tmp_path, releases.shaped_100k(current), "ml-100k.zip")
    assert (checked.dataset, checked.release, checked.known) == ("ml-100k", "unknown", False)
    assert checked.rows["ml-100k/u.data"] == 5_000 and checked.rows["ml-100k/u3.test"] == 1_000


def _replace_line(files, member, index, new: bytes):
    _, rows = releases.lines(files[SMALL + member])
    return releases.with_lines(files, member, rows[:index] + [new] + rows[index + 1:])


def test_a_rating_out_of_range_is_refused_even_with_a_known_releases_counts(tmp_path, current):
    msg = refusal(tmp_path, _replace_line(current, "ratings.csv", 500, b"4,47,7.0,964982703\n"))
    assert "ratings.csv has 1 line(s) that do not parse " \
        "(line 502: rating: 7.0 is not one of 0.5..5 in steps of 0.5)" in msg


def test_an_unparsable_line_is_refused(tmp_path, current):
    msg = refusal(tmp_path, _replace_line(current, "ratings.csv", 10, b"1,abc,4.0,964982703\n"))
    assert "line 12: movieId: 'abc' is not an integer >= 1" in msg


def test_a_line_with_fields_missing_is_refused(tmp_path, current):
    msg = refusal(tmp_path, _replace_line(current, "movies.csv", 3, b"4,Waiting to Exhale (1995)\n"))
    assert "movies.csv has 1 line(s) that do not parse (line 5: 2 fields, expected 3)" in msg


def test_a_file_cut_mid_line_is_refused(tmp_path, current):
    data = current[SMALL + "ratings.csv"]
    cut = data.rindex(b"\n", 0, len(data) // 2) + 1
    cut = data.index(b"\n", cut) - 4  # the line still parses: only its missing newline gives it away
    msg = refusal(tmp_path, {**current, SMALL + "ratings.csv": data[:cut]})
    assert "ratings.csv ends mid-line (truncated?)" in msg


def test_a_missing_member_is_refused(tmp_path, current):
    files = {name: data for name, data in current.items() if not name.endswith("tags.csv")}
    assert "missing member ml-latest-small/tags.csv" in refusal(tmp_path, files)


def test_a_rating_of_a_movie_absent_from_movies_is_refused(tmp_path, current):
    msg = refusal(tmp_path, _replace_line(current, "ratings.csv", 7, b"1,999999999,4.0,964982703\n"))
    assert "ratings.csv refers to 1 id(s) absent from ml-latest-small/movies.csv (e.g. 999999999)" in msg


def test_another_header_is_refused(tmp_path, current):
    _, rows = releases.lines(current[SMALL + "links.csv"])
    msg = refusal(tmp_path, {**current, SMALL + "links.csv": b"movieId,tmdbId,imdbId\n" + b"".join(rows)})
    assert "links.csv has header 'movieId,tmdbId,imdbId', expected 'movieId,imdbId,tmdbId'" in msg


def test_a_damaged_ml_100k_fold_file_is_refused(tmp_path, current):
    files = releases.shaped_100k(current)
    files["ml-100k/u2.test"] += b"3\t4\t6\t881250949\n"
    msg = refusal(tmp_path, files, "ml-100k.zip")
    assert "ml-100k/u2.test has 1 line(s) that do not parse " \
        "(line 1,001: field 3: 6 is not one of 1..5 in steps of 1)" in msg


# ---- the stage: one line for a user, the release in its output ---------------------------------

def test_the_stage_says_which_release_and_refuses_in_one_line(project, tmp_path, current):
    mirror = tmp_path / "mirror"
    releases.write_zip(mirror / "ml-latest-small.zip", releases.shaped_2016(current))
    project.env["EMBEDLAB_DATA_MIRROR"] = str(mirror)
    done = project.run("python", "stages/download.py", "movielens", "data/raw/movielens")
    assert "ml-latest-small release 2016-10 (a known release): ratings.csv 100,004" in done.stdout
    assert read_release(project.path / "data/raw/movielens")["release"] == "2016-10"

    releases.write_zip(mirror / "ml-latest-small.zip", _replace_line(current, "ratings.csv", 3, b"1,2,x,3\n"))
    done = project.run("python", "stages/download.py", "movielens", "data/raw/movielens", check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ml-latest-small.zip is not the expected")
    assert read_release(project.path / "data/raw/movielens")["release"] == "2016-10"  # the previous one stands
