"""Each notebook that CI's nbval run executes, run end to end in a fresh kernel as CI
runs it (the machine's own numerical kernels, no progress bars), without writing it
back: its wall time against its budget, and the headline numbers that
``dlbook.utils.report_headlines`` reported in that run."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlbook.utils import recorded_headlines, time_allowed

ROOT = Path(__file__).resolve().parents[1]
BUDGET = re.compile(r"check_run_time\(\s*chapter_start\s*,\s*budget\s*=\s*(\d+)")
RAN = re.compile(r"this chapter ran in (\d+) s")


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


def budget_of(nb) -> int | None:
    """The budget of the last code cell's ``check_run_time(..., budget=N)``."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    found = BUDGET.search(code[-1].source) if code else None
    return int(found.group(1)) if found else None


def stored_run(path: Path) -> dict:
    """What the committed execution recorded (``make execute``, other kernels)."""
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("dlbook", {})
    budget = budget_of(nb)
    gflops = meta.get("machine_gflops")
    return {
        "notebook": _name(path),
        "budget_s": budget,
        "stored_run_s": meta.get("run_seconds"),
        "stored_allowed_s": (
            time_allowed(budget, gflops) if budget and gflops else None
        ),
        "stored_headlines": meta.get("headlines", []),
    }


def execute(path: Path, gflops: float, timeout: int = 1800) -> dict:
    """Run one notebook; its wall time against its budget scaled to ``gflops``."""
    nb = nbformat.read(path, as_version=4)
    budget = budget_of(nb)
    env = {"DLBOOK_PROGRESS": "0", "PYTHONHASHSEED": "0"}
    shared = ROOT.parent / "shared" / "data"
    if "DLBOOK_DATA" not in os.environ and shared.is_dir():
        env["DLBOOK_DATA"] = str(shared)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    start = time.perf_counter()
    error = None
    try:
        with recorded_headlines() as headlines:
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
    allowed = time_allowed(budget, gflops) if budget else None
    return {
        **stored_run(path),
        "run_s": seconds,
        "allowed_s": allowed,
        "within_budget": None if allowed is None else bool(seconds <= allowed),
        "error": error,
        "reported_by_notebook": _reported(nb),
        "headlines": headlines,
    }


def _reported(nb) -> str | None:
    """The line the notebook's last cell printed (its own time and budget)."""
    for cell in reversed(nb.cells):
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            if RAN.search(text):
                return text.strip().splitlines()[-1]
    return None
