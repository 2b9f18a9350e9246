"""The public tests an exercise notebook carries, written out as files for Colab.

``otter assign`` stores each exercise's public tests in its notebook's metadata
(``metadata.otter.tests``: question name -> the test file's source), so one downloaded
notebook grades itself in Jupyter with nothing beside it. otter reads tests from files
only in Colab, where the running notebook is not on disk; the set-up cell there calls
:func:`write_tests` on the course's copy of the notebook first.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["write_tests"]


def write_tests(notebook: str | Path, folder: str | Path = "tests") -> list[Path]:
    """Write each public test stored in ``notebook`` to ``folder/<question>.py``, where
    ``otter.Notebook(..., tests_dir=folder)`` finds it; return the files written."""
    metadata = json.loads(Path(notebook).read_text(encoding="utf-8"))["metadata"]
    tests = metadata.get("otter", {}).get("tests")
    if not tests:
        raise ValueError(f"{notebook} stores no otter tests in its metadata")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for question, source in tests.items():
        path = folder / f"{question}.py"
        path.write_text(source, encoding="utf-8")
        written.append(path)
    return written
