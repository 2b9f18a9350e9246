"""Each notebook that CI's nbval run executes, run end to end in a fresh kernel as CI
runs it (the machine's own numerical kernels, no progress bars), without writing it
back: its wall time against its budget, and the headline numbers that
``dlbook.utils.report_headlines`` reported in that run, read from what the run recorded
(``dlbook.runs``), not from its printed text. The notebooks are executed by the
executor's own :func:`tools.execute_notebooks.run_notebook`."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from dlbook.runs import records_by_kind, time_allowed
from tools.execute_notebooks import run_notebook
from tools.repository import relative


def stored_run(path: Path) -> dict:
    """What the committed execution recorded (``make execute``, other kernels)."""
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("dlbook", {})
    budget, allowed = meta.get("budget_s"), meta.get("allowed_s")
    if budget is None:  # a run stored before dlbook.runs recorded its check
        budget = _budget_in_code(nb)
        if budget and meta.get("machine_gflops"):
            allowed = time_allowed(budget, meta["machine_gflops"])
    return {
        "notebook": relative(path),
        "budget_s": budget,
        "stored_run_s": meta.get("run_seconds"),
        "stored_allowed_s": allowed,
        "stored_headlines": meta.get("headlines", []),
    }


def _budget_in_code(nb) -> int | None:
    """The ``budget=`` of the ``check_run_time`` call in the last code cell, read as
    Python (not as text)."""
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for node in ast.walk(ast.parse(code[-1])) if code else ():
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == (
            "check_run_time"
        ):
            for keyword in node.keywords:
                if keyword.arg == "budget":
                    return ast.literal_eval(keyword.value)
    return None


def execute(path: Path, timeout: int = 1800) -> dict:
    """Run one notebook; its wall time against the time its own check_run_time
    allowed (its budget scaled to this machine's speed for the work it does)."""
    nb = nbformat.read(path, as_version=4)
    run = run_notebook(nb, path.parent, timeout=timeout, keep_going=True)
    by_kind = records_by_kind(run.records)
    checks = by_kind.get("run_time", [])
    allowed = checks[-1]["allowed"] if checks else None
    return {
        **stored_run(path),
        "run_s": run.seconds,
        "allowed_s": allowed,
        "within_budget": None if allowed is None else bool(run.seconds <= allowed),
        "error": run.error,
        "reported_by_notebook": (
            f"ran in {checks[-1]['seconds']:.0f} s (allowed {allowed:.0f} s)"
            if checks
            else None
        ),
        "headlines": by_kind.get("headline", []),
        "trainings": by_kind.get("training", []),
    }
