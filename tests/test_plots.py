"""The committed results draw: `dvc plots show` on this repository renders every declared plot whose
file git holds (eval/), x and y fields present and numeric where the template needs numbers. The
one plot of a DVC-cached file (IMDB's test predictions) is drawn in tests/test_e2e_imdb.py."""
from __future__ import annotations

from pathlib import Path

import yaml

import dvc_plots

ROOT = Path(__file__).resolve().parents[1]


def test_every_committed_plot_renders_with_its_axes():
    declared = dvc_plots.declared(yaml.safe_load((ROOT / "dvc.yaml").read_text()))
    committed = [name for name in declared if not name.startswith("data/")]
    assert len(committed) >= 14 and len(declared) - len(committed) == 1
    shown = dvc_plots.show(ROOT, committed)
    assert dvc_plots.problems(shown) == []
    vega = {name: items for name, items in shown["data"].items() if items[0]["type"] == "vega"}
    assert {"MovieLens learning curves", "Rossmann dropout study", "eval/rossmann/dropout/study.csv"} <= set(vega)
