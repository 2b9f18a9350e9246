"""The repository's layout, in one place: its root, its configuration read as YAML,
the notebooks of the book and of the grader, and the offline data.

Every tool, benchmark and test imports these rather than working them out again.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK, SOLUTIONS, EXERCISES = ROOT / "book", ROOT / "solutions", ROOT / "exercises"

# Where the data mirror lies when DLBOOK_DATA is unset: beside the repository, as on
# CI's machines (the data are not part of the repository: README.md, "Licences").
OFFLINE_DATA_BESIDE = ROOT.parent / "shared" / "data"


def toc() -> dict:
    """``_toc.yml``, the book's table of contents."""
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def config() -> dict:
    """``_config.yml``, the book's configuration."""
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def pages() -> list[str]:
    """Every page of the book in reading order, as ``_toc.yml`` names it, without
    suffix: ``["book/intro", "book/background", ...]``."""

    def files(entries: list[dict]) -> list[str]:
        found = []
        for entry in entries:
            if "file" in entry:
                found.append(entry["file"])
            found += files(entry.get("sections", []))
        return found

    contents = toc()
    names = [contents["root"]]
    for part in contents.get("parts", []):
        names += files(part.get("chapters", []))
    names += files(contents.get("chapters", []))
    return [re.sub(r"\.(md|ipynb)$", "", name) for name in names]


def page_markdown(path: Path) -> str:
    """The Markdown a reader sees on a page: a ``.md`` file's text, or a notebook's
    Markdown cells joined by blank lines."""
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join(
        "".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"
    )


def book_notebooks() -> list[Path]:
    """The book's notebooks in reading order: the pages of ``_toc.yml`` that are
    notebooks."""
    paths = [ROOT / f"{page}.ipynb" for page in pages()]
    return [path for path in paths if path.is_file()]


def chapters() -> list[Path]:
    """The numbered chapters (``book/NN-name.ipynb``), in reading order."""
    return [path for path in book_notebooks() if re.match(r"\d\d-", path.name)]


def exercise_masters() -> list[Path]:
    """The otter-grader masters in ``solutions/``."""
    return sorted(SOLUTIONS.glob("*.ipynb"))


def notebooks() -> list[Path]:
    """Every notebook executed and committed with its outputs: the book's, then the
    exercise masters (what ``make execute`` runs and nbval re-runs)."""
    return book_notebooks() + exercise_masters()


def offline_data() -> Path | None:
    """The offline data folder: ``DLBOOK_DATA`` when set, else the mirror beside the
    repository when there is one, else None (``dlbook.data`` downloads)."""
    if os.environ.get("DLBOOK_DATA"):
        return Path(os.environ["DLBOOK_DATA"])
    return OFFLINE_DATA_BESIDE if OFFLINE_DATA_BESIDE.is_dir() else None


def relative(path: Path) -> str:
    """``path`` relative to the repository (``book/01-neurons.ipynb``), or its name
    when it lies outside."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(path).name
