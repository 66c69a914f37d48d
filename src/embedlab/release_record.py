"""Where the download stage records which release of a dataset it took, and reading it back.

Plumbing, like tracking (which tags runs with it): no stage's results depend on it, so codedeps
leaves it out of their deps. The record lies beside the folder, in `<folder>.release.json`, not
inside it: a file inside would change the folder's hash, and every training downstream would re-run."""
from __future__ import annotations

import json
from pathlib import Path

from embedlab.errors import EmbedlabError


def release_path(out: Path) -> Path:
    """Where the release taken into the folder `out` is recorded: data/raw/movielens.release.json."""
    return out.with_name(out.name + ".release.json")


def read_release(raw_folder: Path) -> dict | None:
    """The release record of a downloaded folder ({"dataset", "release", "known", "rows"}), or None
    where the folder was downloaded before releases were recorded (or not at all)."""
    path = release_path(Path(raw_folder))
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise EmbedlabError(f"{path} is unreadable ({exc}); run the download stage again") from None
    if not isinstance(record, dict) or not {"dataset", "release"} <= set(record):
        raise EmbedlabError(f"{path} is not a release record; run the download stage again")
    return record
