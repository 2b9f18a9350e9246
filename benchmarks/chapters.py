"""Each notebook that CI's nbval run executes, run end to end in a fresh kernel as CI
runs it (the machine's own numerical kernels, no progress bars), without writing it
back: its wall time against its budget, and the headline numbers that
``dlbook.utils.report_headlines`` reported in that run, read from what the run recorded
(``dlbook.runs``), not from its printed text."""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlbook.runs import recorded_runs, records_by_kind, time_allowed

ROOT = Path(__file__).resolve().parents[1]


def chapter_paths() -> list[Path]:
    return sorted((ROOT / "book").glob("[0-9][0-9]-*.ipynb"))


def ci_notebooks() -> list[Path]:
    """What nbval executes in CI (pyproject's testpaths): every notebook in book/ and
    solutions/."""
    return sorted((ROOT / "book").glob("*.ipynb")) + sorted(
        (ROOT / "solutions").glob("*.ipynb")
    )


def _name(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


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
        "notebook": _name(path),
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
    env = {"DLBOOK_PROGRESS": "0", "PYTHONHASHSEED": "0"}
    shared = ROOT.parent / "shared" / "data"
    if "DLBOOK_DATA" not in os.environ and shared.is_dir():
        env["DLBOOK_DATA"] = str(shared)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    start = time.perf_counter()
    error = None
    try:
        with recorded_runs() as records:
            NotebookClient(
                nb,
                timeout=timeout,
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            ).execute()
    except Exception as exc:  # a failing chapter is a result, not a crash
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    seconds = time.perf_counter() - start
    by_kind = records_by_kind(records)
    checks = by_kind.get("run_time", [])
    allowed = checks[-1]["allowed"] if checks else None
    return {
        **stored_run(path),
        "run_s": seconds,
        "allowed_s": allowed,
        "within_budget": None if allowed is None else bool(seconds <= allowed),
        "error": error,
        "reported_by_notebook": (
            f"ran in {checks[-1]['seconds']:.0f} s (allowed {allowed:.0f} s)"
            if checks
            else None
        ),
        "headlines": by_kind.get("headline", []),
        "trainings": by_kind.get("training", []),
    }
