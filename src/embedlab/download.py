"""Fetch a canonical archive (or take it from EMBEDLAB_DATA_MIRROR), check it, and lay it out."""
from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

from embedlab.archives import extract, spec_for, verify
from embedlab.atomic import atomic_path
from embedlab.errors import EmbedlabError
from embedlab.project import project_root

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


def download(url: str, out: Path, mirror: str | None = None) -> Path:
    """Make `out` a folder with the archive's checked contents (or the archive itself, if it is
    read in place). Nothing appears at `out` unless every check passed."""
    name = archive_name(url)
    spec = spec_for(name)
    with atomic_path(out, is_dir=True) as tmp:
        archive = tmp / name
        fetch(url, archive, mirror)
        verify(archive, spec)
        if spec.extract:
            extract(archive, tmp)
            archive.unlink()
    return out
