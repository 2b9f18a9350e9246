"""The run times the book states, written from what the committed runs recorded.

    python -m tools.run_times --check  # exit 1 when the book states other times
    python -m tools.run_times --write  # rewrite them (after `make execute`)

``make execute`` stores each notebook's run time and the machine's speed in its
metadata (``metadata.dlbook``: ``run_seconds``, ``machine_gflops``). Two places state
them, and both are written from there, never by hand:

- the "**Time:** about N s" line in the first cell of each of the book's notebooks:
  N is the run time to the nearest 5 s (to the second under 10 s), and the machine's
  speed, where the line states one ("at about M GFLOP/s"), to the nearest 10;
- the table of run times in ``book/intro.md``: one row per notebook of the book, in
  the order of ``_toc.yml``, with its title, run time and machine speed.

``tests/test_committed_notebooks.py`` fails when either differs from what ``--write``
writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from tools.repository import BOOK, book_notebooks, relative

INTRO = BOOK / "intro.md"
TIME_LINE = re.compile(r"(\*\*Time:\*\*\s+about\s+)(\d+)(\s*s\b)")
# the machine's speed, where the Time line states it ("... at about 130 GFLOP/s")
SPEED = re.compile(r"(at\s+about\s+)(\d+)(\s+GFLOP/s)")
TABLE_HEADER = (
    "| chapter | run time of the committed run "
    "| NumPy float32 matrix-multiply speed during the run |"
)


def stated_seconds(seconds: float) -> int:
    """A run time as the Time line states it: to 5 s, or to 1 s under 10 s."""
    return round(seconds) if seconds < 10 else 5 * round(seconds / 5)


def stated_gflops(gflops: float) -> int:
    """A machine's speed as the Time line states it: to 10 GFLOP/s."""
    return 10 * round(gflops / 10)


def with_time_line(source: str, seconds: float, gflops: float | None = None) -> str:
    """``source`` (a notebook's first cell) with its Time line stating ``seconds``
    (and ``gflops``, the machine's speed, where the line states a speed)."""
    match = TIME_LINE.search(source)
    if not match:
        raise ValueError("no '**Time:** about N s' line")
    line_end = source.find("\n- ", match.end())
    line_end = len(source) if line_end < 0 else line_end
    line = TIME_LINE.sub(
        lambda m: f"{m.group(1)}{stated_seconds(seconds)}{m.group(3)}",
        source[match.start() : line_end],
        count=1,
    )
    if gflops is not None:
        line = SPEED.sub(
            lambda m: f"{m.group(1)}{stated_gflops(gflops)}{m.group(3)}", line, count=1
        )
    return source[: match.start()] + line + source[line_end:]


def title(nb: nbformat.NotebookNode) -> str:
    """The notebook's title: the first '# ' heading of its first cell."""
    return re.search(r"^# (.+)$", nb.cells[0].source, re.M).group(1).strip()


def intro_table(paths: list[Path]) -> str:
    """The table of run times of the notebooks at ``paths``, from their metadata."""
    rows = [TABLE_HEADER, "|---|---|---|"]
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        meta = nb.metadata["dlbook"]
        rows.append(
            f"| [{title(nb)}]({path.name}) | {round(meta['run_seconds'])} s | "
            f"{round(meta['machine_gflops'])} GFLOP/s |"
        )
    return "\n".join(rows)


def with_intro_table(text: str, table: str) -> str:
    """``text`` (``book/intro.md``) with the table under :data:`TABLE_HEADER` (up to
    its first line that is not a row) replaced by ``table``."""
    lines = text.split("\n")
    start = lines.index(TABLE_HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[:start] + table.split("\n") + lines[end:])


def expected_first_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata["dlbook"]
    return with_time_line(
        nb.cells[0].source, meta["run_seconds"], meta.get("machine_gflops")
    )


def expected_intro() -> str:
    text = INTRO.read_text(encoding="utf-8")
    return with_intro_table(text, intro_table(book_notebooks()))


def stale() -> list[str]:
    """The files whose stated run times differ from their notebooks' metadata."""
    found = [
        relative(path)
        for path in book_notebooks()
        if nbformat.read(path, as_version=4).cells[0].source
        != expected_first_cell(path)
    ]
    if INTRO.read_text(encoding="utf-8") != expected_intro():
        found.append(relative(INTRO))
    return found


def write() -> list[str]:
    """Rewrite what :func:`stale` finds; return those files."""
    found = stale()
    for path in book_notebooks():
        nb = nbformat.read(path, as_version=4)
        if relative(path) in found:
            nb.cells[0].source = expected_first_cell(path)
            nbformat.write(nb, path)
    if relative(INTRO) in found:
        INTRO.write_text(expected_intro(), encoding="utf-8")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.run_times",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 when stale")
    mode.add_argument("--write", action="store_true", help="rewrite what is stale")
    args = parser.parse_args(argv)
    if args.write:
        written = write()
        print("rewrote " + ", ".join(written) if written else "nothing to rewrite")
        return 0
    found = stale()
    if found:
        print(
            "run times differ from the notebooks' metadata in "
            + ", ".join(found)
            + ": run `python -m tools.run_times --write`"
        )
        return 1
    print("the Time lines and book/intro.md's table match the recorded runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
