"""Test-suite set-up shared by tests/ and the notebooks that nbval runs (book/,
solutions/)."""

import os

import pytest

# In every kernel nbval starts: no progress bars in outputs, repeatable hashing.
os.environ.setdefault("DLBOOK_PROGRESS", "0")
os.environ.setdefault("PYTHONHASHSEED", "0")


def pytest_collection_modifyitems(config, items):
    """Mark every notebook cell that nbval collects with `notebooks` (deselect: -m)."""
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.notebooks)
