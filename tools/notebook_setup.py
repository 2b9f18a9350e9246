"""The set-up cell at the top of every notebook,
written from the one repository URL in _config.yml.

`python -m tools.notebook_setup` rewrites the first code cell of every notebook in book/
and solutions/ (exercises/ are generated from solutions/);
tests/test_committed_notebooks.py checks that they match. Chapters install the course
package when it is missing; exercise notebooks also install otter-grader and, in Colab,
clone the repository and write the notebook's public tests out as files (otter reads
them from the notebook's metadata elsewhere, from files in Colab).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import nbformat

from tools.repository import config, notebooks, relative

MARKER = "# Set-up"


def repository() -> tuple[str, str]:
    """(url, branch) of the course's repository, from _config.yml."""
    repo = config()["repository"]
    return repo["url"], repo["branch"]


def chapter_cell() -> str:
    url, branch = repository()
    return f"""{MARKER} (Colab, Binder or a fresh Jupyter):
# installs the course package `dlbook` if it is missing.
import importlib.util
import subprocess
import sys

COURSE = "git+{url}@{branch}"
if importlib.util.find_spec("dlbook") is None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", COURSE], check=True
    )"""


def exercise_cell(notebook_name: str) -> str:
    url, branch = repository()
    return f'''{MARKER} (Colab, Binder or a fresh Jupyter):
# installs the course package `dlbook` and otter-grader if they are missing.
import importlib.util
import os
import subprocess
import sys

REPOSITORY, BRANCH = (
    "{url}",
    "{branch}",
)
IN_COLAB = "google.colab" in sys.modules  # Colab: the notebook file must be on disk
if IN_COLAB and not os.path.isdir("/content/course"):
    clone = ["git", "clone", "--quiet", "--depth", "1", "--branch", BRANCH]
    subprocess.run([*clone, REPOSITORY, "/content/course"], check=True)
MISSING = any(importlib.util.find_spec(m) is None for m in ("dlbook", "otter"))
if IN_COLAB or MISSING:
    COURSE = "/content/course" if IN_COLAB else f"git+{{REPOSITORY}}@{{BRANCH}}"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", COURSE, "otter-grader"]
    subprocess.run(pip, check=True)
if IN_COLAB:  # otter reads tests from files there, not from the notebook
    os.chdir("/content/course/exercises")
    from dlbook.grading import write_tests

    write_tests("{notebook_name}")

import otter

grader = otter.Notebook("{notebook_name}")'''


def expected_cell(path: Path) -> str:
    return (
        exercise_cell(path.name)
        if path.parent.name in ("solutions", "exercises")
        else chapter_cell()
    )


def first_code_cell(nb) -> nbformat.NotebookNode | None:
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def sync(path: Path) -> bool:
    """Make the first code cell of ``path`` the set-up cell;
    return whether the file changed."""
    nb = nbformat.read(path, as_version=4)
    cell = first_code_cell(nb)
    want = expected_cell(path)
    # the HTML book folds it away
    tags = ["hide-input"] if path.parent.name == "book" else []
    if (
        cell is not None
        and cell.source == want
        and cell.metadata.get("tags", []) == tags
    ):
        return False
    if cell is None or not cell.source.startswith(MARKER):
        cell = nbformat.v4.new_code_cell(want)
        first_code = next(
            (i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells)
        )
        nb.cells.insert(first_code, cell)
    cell.source = want
    if tags:
        cell.metadata["tags"] = tags
    else:
        cell.metadata.pop("tags", None)
    nbformat.write(nb, path)
    return True


def code_cell_hashes(nb) -> list[str]:
    """SHA-256 of the source of every code cell, in order
    (what the stored outputs came from)."""
    return [
        hashlib.sha256(c.source.encode("utf-8")).hexdigest()
        for c in nb.cells
        if c.cell_type == "code"
    ]


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or notebooks()
    for p in paths:
        if sync(p):
            print(f"set-up cell updated: {relative(p)} (re-execute it)")
