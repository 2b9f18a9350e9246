"""Test-suite set-up shared by tests/ and the notebooks that nbval runs (book/,
solutions/)."""

import os

import pytest

from tools.execute_notebooks import notebook_environment

# Every kernel nbval starts runs in the environment of `make execute`'s kernels (no
# progress bars in outputs, repeatable hashing, the offline data when there is some),
# apart from what the caller set.
for _name, _value in notebook_environment().items():
    os.environ.setdefault(_name, _value)


def pytest_collection_modifyitems(config, items):
    """Mark every notebook cell that nbval collects with `notebooks` (deselect: -m)."""
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.notebooks)


_NOTEBOOK_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Add up the time of each notebook's cells (nbval collects one item per cell)."""
    if ".ipynb::" in report.nodeid:
        path = report.nodeid.split("::", 1)[0]
        _NOTEBOOK_SECONDS[path] = _NOTEBOOK_SECONDS.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """Print each notebook's execution time, so that a slow-down shows in CI's log."""
    if _NOTEBOOK_SECONDS:
        terminalreporter.section("notebook execution times (nbval)")
        for path, seconds in sorted(_NOTEBOOK_SECONDS.items()):
            terminalreporter.write_line(f"{seconds:8.1f} s  {path}")
        total = sum(_NOTEBOOK_SECONDS.values())
        terminalreporter.write_line(
            f"{total:8.1f} s  all {len(_NOTEBOOK_SECONDS)} notebooks "
            f"({total / 60:.1f} min; the course's target is 35 min)"
        )
