"""Re-execute notebooks in place, top to bottom,
so that their stored outputs come from the code.

    python tools/execute_notebooks.py  # every notebook in book/ and solutions/
    python tools/execute_notebooks.py book/01-neurons.ipynb

Each notebook runs in a fresh kernel in its own folder with DLBOOK_PROGRESS=0 (no
progress bars in stored outputs) and the numerical kernels of kernels.VARIANT, so that
the test run, with the machine's own kernels, checks the stored outputs under other
ones. The notebook's metadata records the SHA-256 of every code cell's source
(tests/test_notebooks.py refuses a notebook whose cells were edited after this ran), the
kernels used, the run time and the chapter's headline numbers (what
``dlbook.utils.report_headlines`` reported). When DLBOOK_DATA is unset and
../shared/data exists, that offline copy is used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlbook.runs import recorded_runs, records_by_kind

from kernels import VARIANT, kernel_config
from notebook_setup import ROOT, code_cell_hashes, notebooks, sync

KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}


def execute(path: Path, kernels: dict) -> float:
    sync(path)
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("jupytext", None)
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
    nb.metadata["kernelspec"] = KERNELSPEC
    with recorded_runs() as records:
        start = time.perf_counter()
        NotebookClient(
            nb,
            timeout=1800,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            record_timing=False,
        ).execute()
        seconds = time.perf_counter() - start
    nb.metadata["dlbook"] = {
        "cell_sha256": code_cell_hashes(nb),
        "kernels": kernels,
        "run_seconds": round(seconds, 1),
    } | run_metadata(records)
    nbformat.write(nb, path)
    return seconds


def run_metadata(records: list[dict]) -> dict:
    """What a notebook's run recorded (``dlbook.runs``), as its metadata stores it:
    the headline numbers, the training runs, and the check_run_time of its last cell
    (its budget, the time allowed, and the NumPy speed it ran at, measured in its
    kernel with its numerical kernels). A notebook without that check gets the same
    speed measured in a fresh process with this run's environment."""
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
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        meta["machine_gflops"] = round(float(done.stdout.strip()), 1)
    return meta


def main(argv: list[str]) -> int:
    os.environ["DLBOOK_PROGRESS"] = "0"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    shared = ROOT.parent / "shared" / "data"
    if "DLBOOK_DATA" not in os.environ and shared.is_dir():
        os.environ["DLBOOK_DATA"] = str(shared)
    os.environ.update(VARIANT)
    kernels = kernel_config()
    print(f"numerical kernels: {kernels}", flush=True)
    paths = [Path(p).resolve() for p in argv] or notebooks()
    for path in paths:
        print(f"executing {path.relative_to(ROOT)} ...", flush=True)
        seconds = execute(path, kernels)
        print(f"  done in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
