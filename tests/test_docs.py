"""README.md and CONTRIBUTING.md match the repository: every file and make target they
name exists, and the layout table lists every from-scratch module."""

from __future__ import annotations

import re

import pytest

from tools.repository import ROOT

DOCS = ["README.md", "CONTRIBUTING.md"]
PATH = re.compile(
    r"`((?:\.ci|tools|tests|benchmarks|src|book|solutions|exercises)/[\w./-]+)`"
)


@pytest.mark.parametrize("doc", DOCS)
def test_every_path_named_exists(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    named = set(PATH.findall(text))  # book/NN-name.ipynb stands for any chapter
    assert named, f"{doc} names no path (is the pattern still right?)"
    missing = sorted(
        p for p in named if "NN" not in p and not (ROOT / p.rstrip("/")).exists()
    )
    assert not missing, f"{doc} names paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS)
def test_every_make_target_named_exists(doc):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    named = set(re.findall(r"`make (\w+)", (ROOT / doc).read_text(encoding="utf-8")))
    assert named and named <= targets, f"{doc}: no make target {named - targets}"


def test_the_layout_table_lists_every_scratch_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `src/dlbook/scratch/(\w+)\.py` \| (.+) \|$", readme, re.M)
    modules = sorted(
        p.stem for p in (ROOT / "src" / "dlbook" / "scratch").glob("[!_]*.py")
    )
    assert sorted(name for name, _ in rows) == modules
