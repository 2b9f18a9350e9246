"""Refresh the run times in book/intro.md's table from each notebook's metadata.

    python tools/run_time_table.py

Each row `| [title](NN-name.ipynb) | N s | G GFLOP/s |` gets the run time and machine
speed that `make execute` recorded in book/NN-name.ipynb (tests/test_notebooks.py fails
when they differ). A new chapter's row is added by hand, once.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
INTRO = ROOT / "book" / "intro.md"
ROW = re.compile(r"\]\((\S+?)\.ipynb\) \| \d+ s \| \d+ GFLOP/s \|")


def refreshed(text: str) -> str:
    def row(match: re.Match) -> str:
        stem = match.group(1)
        meta = nbformat.read(ROOT / "book" / f"{stem}.ipynb", 4).metadata["dlbook"]
        return (
            f"]({stem}.ipynb) | {round(meta['run_seconds'])} s | "
            f"{round(meta['machine_gflops'])} GFLOP/s |"
        )

    return ROW.sub(row, text)


if __name__ == "__main__":
    INTRO.write_text(refreshed(INTRO.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"refreshed the run-time table of {INTRO.relative_to(ROOT)}")
