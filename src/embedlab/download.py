"""Fetch a canonical archive (or take it from EMBEDLAB_DATA_MIRROR), check it, lay it out, and
record which release the check took (embedlab.release_record)."""
from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

from embedlab.archives import Checked, extract, spec_for, verify
from embedlab.atomic import atomic_path
from embedlab.errors import EmbedlabError
from embedlab.project import project_root
from embedlab.release_record import release_path

MIRROR_ENV = "EMBEDLAB_DATA_MIRROR"


def archive_name(url: str) -> str:
    name = Path(urlparse(url).path).name
    if not name:
        raise EmbedlabError(f"cannot tell the archive's file name from the URL {url!r}")
    return name


def fetch(url: str, dest: Path, mirror: str | None = None) -> None:
    """Copy <mirror>/<archive name> when a mirror is named, else download url; dest is written whole."""
    name = archive_name(url)
    if mirror:
        # a relative mirror means relative to the project, also from `dvc exp run --temp` copies
        src = project_root() / mirror / name
        if not src.is_file():
            raise EmbedlabError(f"{MIRROR_ENV}={mirror} holds no {name}; put the archive there "
                                f"or unset {MIRROR_ENV} to download {url}")
        shutil.copyfile(src, dest)
        return
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=name) as bar:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    out.write(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EmbedlabError(f"could not download {url} ({reason}); without network, set "
                            f"{MIRROR_ENV} to a folder holding {name}") from None
    if total is not None and dest.stat().st_size != total:
        raise EmbedlabError(f"download of {url} stopped after {dest.stat().st_size:,} of "
                            f"{total:,} bytes; run it again")


def download(url: str, out: Path, mirror: str | None = None) -> Checked:
    """Make `out` a folder with the archive's checked contents (or the archive itself, if it is
    read in place), and record its release beside it. Nothing appears at `out` unless every check
    passed."""
    name = archive_name(url)
    spec = spec_for(name)
    with atomic_path(out, is_dir=True) as tmp:
        archive = tmp / name
        fetch(url, archive, mirror)
        checked = verify(archive, spec)
        if spec.extract:
            extract(archive, tmp)
            archive.unlink()
        # written before the folder moves into place: a folder never stands beside a stale record
        with atomic_path(release_path(out)) as record:
            record.write_text(json.dumps(checked.manifest(), indent=2) + "\n")
    return checked
