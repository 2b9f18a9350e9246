"""The committed notebooks (book/ and solutions/): executed top to bottom, from their
current code, with the set-up cell.

nbval (run by the same pytest command over book/ and solutions/) re-executes every
notebook and compares the deterministic outputs; this file checks what nbval cannot see:
that cells whose output is not compared were not edited after the notebook was executed,
and that the notebooks are those the book and the grader expect.
"""

from __future__ import annotations

import shlex

import nbformat
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib

from benchmarks import chapters
from tools import notebook_setup, run_times
from tools.repository import BOOK, ROOT, book_notebooks, notebooks, pages, relative

NOTEBOOKS = notebooks()
ids = [relative(p) for p in NOTEBOOKS]
# the exercise masters have no budget or Time line
BOOK_NOTEBOOKS = book_notebooks()


def test_every_notebook_of_the_book_is_in_the_table_of_contents():
    listed = pages()
    for nb in BOOK.glob("*.ipynb"):
        assert f"book/{nb.stem}" in listed, f"{nb.name} is not in _toc.yml"
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").is_file() for ext in (".md", ".ipynb")), (
            f"_toc.yml: {entry} missing"
        )


def test_the_executed_notebooks_are_those_nbval_collects():
    """`make execute` and the benchmark's --chapters run tools.repository.notebooks():
    exactly the notebooks that nbval collects from pyproject's pytest testpaths."""
    pytest_config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "pytest"
    ]["ini_options"]
    assert "--nbval" in shlex.split(pytest_config["addopts"])
    collected = {
        relative(path)
        for folder in pytest_config["testpaths"]
        for path in (ROOT / folder).rglob("*.ipynb")
        if ".ipynb_checkpoints" not in path.parts
    }
    assert {relative(path) for path in NOTEBOOKS} == collected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_was_executed_in_order_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(code)}; "
        f"run `make execute NB={relative(path)}`"
    )
    for i, cell in enumerate(code):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}: code cell {i + 1} stored an error output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_outputs_come_from_the_current_code(path):
    nb = nbformat.read(path, as_version=4)
    recorded = nb.metadata.get("dlbook", {}).get("cell_sha256")
    assert recorded, f"{path.name} was not executed by `make execute` (no cell hashes)"
    current = notebook_setup.code_cell_hashes(nb)
    assert len(current) == len(recorded), (
        f"{path.name}: code cells were added or removed since it was executed"
    )
    edited = [i + 1 for i, (a, b) in enumerate(zip(current, recorded)) if a != b]
    assert not edited, (
        f"{path.name}: code cells {edited} were edited "
        "after the notebook was executed; "
        f"run `make execute NB={relative(path)}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_first_code_cell_is_the_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    first = notebook_setup.first_code_cell(nb)
    assert first.source == notebook_setup.expected_cell(path), (
        f"{path.name}: the set-up cell differs from tools/notebook_setup.py; "
        "run `make execute`"
    )
    url, branch = notebook_setup.repository()
    assert url in first.source and branch in first.source


def test_repository_url_is_configured_once():
    """The repository URL appears in _config.yml
    and nowhere else that is written by hand.

    (Notebooks carry it in their set-up cell, which tools/notebook_setup.py writes and
    the test above checks.)"""
    url, _ = notebook_setup.repository()
    skipped = {"_build", ".venv", ".git", "artifacts"}
    offenders = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".md", ".yml", ".toml", ".txt", ".cfg", ".bib"}
        and not skipped & set(p.relative_to(ROOT).parts)
        and p.name != "_config.yml"
        and url in p.read_text(encoding="utf-8", errors="ignore")
    ]
    assert not offenders, (
        f"the repository URL is hard-coded outside _config.yml in {offenders}"
    )


@pytest.mark.parametrize("path", BOOK_NOTEBOOKS, ids=lambda p: p.name)
def test_book_notebooks_check_their_budget(path):
    """The last cell reports the run time against the budget (enforced in CI), and the
    run that produced the stored outputs met it, scaled to the speed of its machine
    (what its check_run_time recorded: dlbook.runs)."""
    nb = nbformat.read(path, as_version=4)
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert "check_run_time(chapter_start, budget=" in last.source, (
        f"{path.name}: the last cell must call check_run_time(chapter_start, budget=N)"
    )
    # what its check_run_time recorded (dlbook.runs), or for a run stored before
    # that, its budget scaled by NumPy's speed: the benchmark reads it the same way
    stored = chapters.stored_run(path)
    budget, recorded = stored["budget_s"], stored["stored_run_s"]
    allowed = stored["stored_allowed_s"]
    assert budget and allowed, f"{path.name}: no budget recorded or in its last cell"
    # the budget is for CI's reference machine; a slower machine gets more time
    assert recorded <= allowed, (
        f"{path.name}: its recorded run took {recorded} s > {allowed:.0f} s "
        f"(budget {budget} s on CI's reference machine)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_every_output_that_nbval_skips_says_why(path):
    """A cell whose output nbval does not compare
    carries its reason for a maintainer."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            reason = cell.metadata.get("dlbook", {}).get("nbval_ignore_reason", "")
            assert len(reason) > 10, (
                f"{path.name}: code cell {i} is not compared by nbval "
                "but gives no reason "
                "(metadata dlbook.nbval_ignore_reason)"
            )
        assert "NBVAL" not in cell.source, (
            f"{path.name}: code cell {i}: use the tag, not a comment"
        )


def test_stated_run_times_are_the_recorded_runs():
    """The "**Time:**" line of every notebook of the book and book/intro.md's table of
    run times state exactly what the notebooks' metadata records (the rounding is
    tools/run_times.py's). Equality, not a tolerance: both are generated, so this fails
    after `make execute` until `python -m tools.run_times --write` is run."""
    assert not run_times.stale(), (
        f"the run times stated in {run_times.stale()} differ from the recorded runs: "
        "run `python -m tools.run_times --write`"
    )
