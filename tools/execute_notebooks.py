"""Re-execute notebooks in place, top to bottom,
so that their stored outputs come from the code.

    python -m tools.execute_notebooks  # every notebook in book/ and solutions/
    python -m tools.execute_notebooks book/01-neurons.ipynb

:func:`run_notebook` is the one function that executes a notebook, here and in the
benchmark (``benchmarks/chapters.py``): a fresh kernel in the notebook's folder, with
DLBOOK_PROGRESS=0 (no progress bars in stored outputs), PYTHONHASHSEED=0 and, when
DLBOOK_DATA is unset, the offline data beside the repository (``tools.repository``).

The executor runs each notebook under the numerical kernels of
:data:`tools.blas_kernels.VARIANT`, so that the test run, with the machine's own
kernels, checks the stored outputs under other ones, and stores in its metadata
(``metadata.dlbook``) the SHA-256 of every code cell's source (the tests refuse a
notebook whose cells were edited after this ran), the kernels used, the run time and
what the run recorded (``dlbook.runs``): the headline numbers, the training runs, the
chapter's budget, the time allowed and the machine's speed. It then lists the numbers of
the prose whose output moved (:func:`tools.claims.moved`): the sentences to re-read.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlbook.runs import recorded_runs, records_by_kind
from tools.blas_kernels import VARIANT, kernel_config
from tools.claims import moved
from tools.notebook_setup import code_cell_hashes, sync
from tools.repository import notebooks, offline_data, relative

KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}


def notebook_environment() -> dict[str, str]:
    """The environment every notebook runs in: no progress bars, repeatable hashing,
    and the offline data when ``DLBOOK_DATA`` is unset and a mirror is beside the
    repository."""
    env = {"DLBOOK_PROGRESS": "0", "PYTHONHASHSEED": "0"}
    data = offline_data()
    if data is not None:
        env["DLBOOK_DATA"] = str(data)
    return env


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """``os.environ`` updated with ``env`` inside the block, restored after it."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class NotebookRun:
    """One execution of a notebook: its wall time, what it recorded (``dlbook.runs``)
    and, for a run allowed to fail, its error in one line."""

    seconds: float
    records: list[dict] = field(default_factory=list)
    error: str | None = None


def run_notebook(
    nb: nbformat.NotebookNode,
    folder: Path,
    env: dict[str, str] | None = None,
    timeout: int = 1800,
    keep_going: bool = False,
) -> NotebookRun:
    """Execute ``nb`` in place, top to bottom, in a fresh kernel started in ``folder``
    with :func:`notebook_environment` and ``env``.

    A cell that fails raises, or with ``keep_going`` ends the run and is returned as
    its error (a failing chapter is then a result, not a crash).
    """
    error = None
    with environment(notebook_environment() | (env or {})), recorded_runs() as records:
        start = time.perf_counter()
        try:
            NotebookClient(
                nb,
                timeout=timeout,
                kernel_name="python3",
                resources={"metadata": {"path": str(folder)}},
                record_timing=False,
            ).execute()
        except Exception as exc:
            if not keep_going:
                raise
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"
        seconds = time.perf_counter() - start
    return NotebookRun(seconds, records, error)


def execute(path: Path, kernels: dict) -> tuple[float, list[str]]:
    """Execute the notebook at ``path`` under :data:`VARIANT` and write it back with
    its outputs and what its run recorded; return its run time and the numbers of its
    prose whose output moved (:func:`tools.claims.moved`)."""
    sync(path)
    nb = nbformat.read(path, as_version=4)
    before = copy.deepcopy(nb.cells)
    nb.metadata.pop("jupytext", None)
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
    nb.metadata["kernelspec"] = KERNELSPEC
    run = run_notebook(nb, path.parent, env=VARIANT)
    nb.metadata["dlbook"] = {
        "cell_sha256": code_cell_hashes(nb),
        "kernels": kernels,
        "run_seconds": round(run.seconds, 1),
    } | run_metadata(run.records)
    nbformat.write(nb, path)
    return run.seconds, moved(before, nb.cells)


def run_metadata(records: list[dict]) -> dict:
    """What a notebook's run recorded (``dlbook.runs``), as its metadata stores it:
    the headline numbers, the training runs, and the check_run_time of its last cell
    (its budget, the time allowed, and the NumPy speed it ran at, measured in its
    kernel with its numerical kernels). A notebook without that check gets the same
    speed measured in a fresh process with the executor's environment."""
    by_kind = records_by_kind(records)
    meta: dict = {}
    if "headline" in by_kind:  # for the tests and the benchmark page
        meta["headlines"] = by_kind["headline"]
    if "training" in by_kind:
        meta["trainings"] = [
            {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}
            for row in by_kind["training"]
        ]
    if "run_time" in by_kind:
        check = by_kind["run_time"][-1]
        meta["budget_s"] = check["budget"]
        meta["allowed_s"] = round(check["allowed"], 1)
        meta["machine_gflops"] = round(check["numpy_gflops"], 1)
    else:
        code = "from dlbook.runs import numpy_gflops; print(numpy_gflops())"
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=os.environ | notebook_environment() | VARIANT,
            capture_output=True,
            text=True,
            check=True,
        )
        meta["machine_gflops"] = round(float(done.stdout.strip()), 1)
    return meta


def main(argv: list[str]) -> int:
    kernels = kernel_config(os.environ | notebook_environment() | VARIANT)
    print(f"numerical kernels: {kernels}", flush=True)
    paths = [Path(p).resolve() for p in argv] or notebooks()
    for path in paths:
        print(f"executing {relative(path)} ...", flush=True)
        seconds, stale = execute(path, kernels)
        print(f"  done in {seconds:.1f} s", flush=True)
        if stale:
            print("  prose numbers whose output moved (read their sentences):")
            print("\n".join(f"    {line}" for line in stale), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
