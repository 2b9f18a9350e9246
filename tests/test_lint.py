"""House style: ruff is clean on the package, the tests, the tools and the notebooks."""

import subprocess
import sys
from pathlib import Path

from tools.repository import ROOT


def test_ruff_is_clean():
    ruff = str(Path(sys.executable).with_name("ruff"))
    targets = ["src", "tests", "tools", "conftest.py", "book", "solutions"]
    targets.append("benchmarks")
    command = [ruff, "check", "--output-format", "concise", *targets]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, f"ruff found problems:\n{run.stdout}{run.stderr}"


def test_ruff_format_is_applied():
    """All code is `ruff format`ted at the book's line length (CONTRIBUTING.md)."""
    ruff = str(Path(sys.executable).with_name("ruff"))
    targets = ["src", "tests", "tools", "conftest.py", "book", "solutions"]
    targets.append("benchmarks")
    run = subprocess.run(
        [ruff, "format", "--check", *targets], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, f"run `ruff format`:\n{run.stdout}{run.stderr}"
