"""What `dvc plots show --json` rendered, checked plot by plot: every vega plot's x and y fields are
in each of its rows, numeric where its spec encodes them as quantities (line and scatter axes, a bar's
length) and present where it encodes categories (a bar's label, a confusion matrix's classes).

The JSON is {"data": {plot id: [item, ...]}, "errors": [...]}: an item is {"type": "image", ...} or
{"type": "vega", "content": <Vega-Lite spec with the rows in data.values>}. DVC exits 0 even when a
plot failed, so the errors and empty plots count as problems too."""
from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

DVC = str(Path(sys.executable).parent / "dvc")  # this environment's, activated or not


def show(cwd: Path, targets: list[str], env: dict | None = None) -> dict:
    """`dvc plots show --json` of these plots (top-level plot names, or the files of stage plots)."""
    with tempfile.TemporaryDirectory() as out:  # -o: image copies go there, not into the project
        done = subprocess.run([DVC, "plots", "show", "--json", "-o", out, *targets], cwd=cwd, env=env,
                              capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def declared(dvc_yaml: dict) -> list[str]:
    """Every plot dvc.yaml declares: the top-level ones by name, the stages' by file or folder."""
    names = [name for entry in dvc_yaml.get("plots", []) for name in entry]
    for stage in dvc_yaml["stages"].values():
        names += [next(iter(p)) if isinstance(p, dict) else p for p in stage.get("plots", [])]
    return names


def _encodings(spec: Any) -> Iterator[tuple[str, dict]]:
    """Every x and y channel with a field, wherever the template puts it (layers, facets)."""
    if isinstance(spec, dict):
        for channel in ("x", "y"):
            encoding = (spec.get("encoding") or {}).get(channel)
            if isinstance(encoding, dict) and isinstance(encoding.get("field"), str):
                yield channel, encoding
        for key, value in spec.items():
            if key not in ("data", "encoding"):
                yield from _encodings(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _encodings(value)


def _number(value: Any) -> bool:
    try:
        return not isinstance(value, bool) and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def axes(item: dict) -> dict[str, tuple[str, str]]:
    """{'x': (field, vega type), 'y': (field, vega type)} of a vega item."""
    found = {channel: {(e["field"], e.get("type")) for c, e in _encodings(item["content"]) if c == channel}
             for channel in ("x", "y")}
    return {channel: next(iter(pairs)) for channel, pairs in found.items() if len(pairs) == 1}


def problems(shown: dict) -> list[str]:
    found = [f"{e.get('name')}: {e.get('type')}: {e.get('msg')}" for e in shown.get("errors", [])]
    for plot, items in shown.get("data", {}).items():
        if not items:
            found.append(f"{plot}: nothing rendered")
        for item in items:
            if item["type"] != "vega":
                continue
            rows = item["content"]["data"]["values"]
            xy = axes(item)
            if not rows or set(xy) != {"x", "y"}:
                found.append(f"{plot}: no rows, or no single x and y field ({xy})")
                continue
            for field, kind in xy.values():
                if any(field not in row for row in rows):
                    found.append(f"{plot}: {field!r} missing from its rows")
                elif kind == "quantitative" and not all(_number(row[field]) for row in rows):
                    found.append(f"{plot}: {field!r} is drawn as a quantity but holds {rows[0][field]!r}")
    return found
