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
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlbook.utils import recorded_headlines

from kernels import VARIANT, kernel_config
from notebook_setup import ROOT, code_cell_hashes, notebooks, sync

# what check_run_time prints in a notebook's last cell
PRINTED_GFLOPS = re.compile(r"\((\d+(?:\.\d+)?) GFLOP/s against")

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
    with recorded_headlines() as headlines:
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
        "machine_gflops": round(run_gflops(nb), 1),
        "run_seconds": round(seconds, 1),
    }
    if headlines:  # what report_headlines printed, for the tests and the benchmark page
        nb.metadata["dlbook"]["headlines"] = headlines
    nbformat.write(nb, path)
    return seconds


def run_gflops(nb) -> float:
    """The matrix-product speed the notebook ran at: what its last cell's
    check_run_time printed (measured in its kernel, with its numerical kernels), or,
    for a notebook without one, the same measurement in a fresh process with this
    run's environment (the kernels of kernels.VARIANT, not the executor's own)."""
    for cell in reversed(nb.cells):
        for output in cell.get("outputs", []):
            found = PRINTED_GFLOPS.search(output.get("text", ""))
            if found:
                return float(found.group(1))
    code = "from dlbook.utils import machine_gflops; print(machine_gflops())"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


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
