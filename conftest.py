"""Test-suite set-up shared by tests/ and the notebooks nbval runs (book/, solutions/)."""

import os

import pytest

# Stored outputs hold no progress bars, and hashing is repeatable, in every kernel nbval starts.
os.environ.setdefault("DLBOOK_PROGRESS", "0")
os.environ.setdefault("PYTHONHASHSEED", "0")


def pytest_collection_modifyitems(config, items):
    """Mark every notebook cell that nbval collects with `notebooks` (deselect with -m)."""
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.notebooks)
