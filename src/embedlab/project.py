"""Where the project is, wherever DVC happens to run a stage."""
from __future__ import annotations

from pathlib import Path


def project_root(start: Path | None = None) -> Path:
    """The real project root, also from the copies `dvc exp run --temp/--queue` run in
    (<root>/.dvc/tmp/exps/...), so that every run lands in the one store."""
    here = (start or Path.cwd()).resolve()
    parts = here.parts
    for i in range(len(parts) - 2):
        if parts[i:i + 3] == (".dvc", "tmp", "exps"):
            return Path(*parts[:i])
    for folder in (here, *here.parents):
        if (folder / "dvc.yaml").is_file() or (folder / ".dvc").is_dir():
            return folder
    return here
