"""Small helpers every chapter needs: seeds, threads, device choice, timing, and the
end-of-chapter report of its headline numbers."""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "HEADLINES_ENV",
    "Headline",
    "check_run_time",
    "get_device",
    "machine_gflops",
    "recorded_headlines",
    "report_headlines",
    "seed_everything",
    "set_threads",
    "time_allowed",
    "timer",
]


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's, NumPy's and (if installed) torch's generators;
    return a NumPy Generator.

    Chapters draw their own random numbers from the returned Generator; the global seeds
    make library code that uses the global state (torch's initializers, for one)
    repeatable too.
    """
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def set_threads(n: int | None = None) -> int:
    """Use ``n`` CPU threads in torch (default: ``DLBOOK_THREADS`` or every core);
    return it.

    NumPy's BLAS threads are fixed when NumPy is first imported; set ``OMP_NUM_THREADS``
    before starting Python to change them.
    """
    if n is None:
        n = int(os.environ.get("DLBOOK_THREADS", os.cpu_count() or 1))
    n = max(1, min(n, os.cpu_count() or 1))
    import torch

    torch.set_num_threads(n)
    return n


def get_device(prefer: str | None = None):
    """``torch.device("cuda")`` when a GPU is present (or ``prefer`` asks for one),
    else CPU.

    ``DLBOOK_DEVICE=cpu`` forces the CPU, which is what the book's stored outputs were
    made on.
    """
    import torch

    choice = prefer or os.environ.get("DLBOOK_DEVICE")
    if choice:
        return torch.device(choice)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextmanager
def timer():
    """``with timer() as t: ...`` then ``t()`` gives the elapsed seconds
    (frozen at exit)."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


# NumPy's float32 matrix products on CI's 2 cores when the chapter budgets were set
# (COURSE.md measured 215-230 GFLOP/s); a slower machine gets proportionally more time.
REFERENCE_GFLOPS = 200.0


def machine_gflops(size: int = 1024, repeat: int = 5) -> float:
    """NumPy's float32 matrix-product speed here, in GFLOP/s (best of ``repeat``)."""
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    a @ a  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def time_allowed(budget: float, gflops: float) -> float:
    """The budget (seconds on CI's reference machine) scaled to a machine this fast."""
    return budget * max(1.0, REFERENCE_GFLOPS / gflops)


def check_run_time(start: float, budget: float) -> None:
    """Print the chapter's run time since ``start`` (``time.perf_counter()``) beside its
    budget.

    The budget is seconds on CI's 2-core CPU; on a slower machine (measured by
    :func:`machine_gflops`) the time allowed grows in proportion. It is enforced only
    where ``CI`` is set: CI fails when a chapter becomes slower than its budget, and a
    learner on a slower machine sees the time it took, not an error. Returns nothing, so
    that a notebook's last cell shows only the printed line.
    """
    elapsed = time.perf_counter() - start
    gflops = machine_gflops()
    allowed = time_allowed(budget, gflops)
    print(
        f"this chapter ran in {elapsed:.0f} s here; its budget is {budget:.0f} s on "
        f"CI's 2-core CPU, {allowed:.0f} s on this machine ({gflops:.0f} GFLOP/s "
        f"against {REFERENCE_GFLOPS:.0f})"
    )
    if os.environ.get("CI") and elapsed > allowed:
        raise AssertionError(
            f"the chapter took {elapsed:.0f} s, over its {allowed:.0f} s budget here"
        )


HEADLINES_ENV = "DLBOOK_HEADLINES"
"""When this environment variable names a file, :func:`report_headlines` appends its
rows to it as JSON lines (see :func:`recorded_headlines`)."""


@contextmanager
def recorded_headlines():
    """Collect what :func:`report_headlines` reports in the processes started inside
    the block (notebook kernels inherit the environment): yields a list, filled with
    the rows as dicts when the block ends. How ``tools/execute_notebooks.py`` stores
    them in a notebook's metadata and the benchmark suite reads them from its run."""
    rows: list[dict] = []
    saved = os.environ.get(HEADLINES_ENV)
    with tempfile.TemporaryDirectory() as scratch:
        record = Path(scratch) / "headlines.jsonl"
        os.environ[HEADLINES_ENV] = str(record)
        try:
            yield rows
        finally:
            if saved is None:
                del os.environ[HEADLINES_ENV]
            else:
                os.environ[HEADLINES_ENV] = saved
            if record.exists():
                rows += [json.loads(line) for line in record.read_text().splitlines()]


@dataclass(frozen=True)
class Headline:
    """One headline number of a chapter: its value in this run, the range the chapter
    asserts (a pass band, wider than the range a run typically lands in), and a naive
    baseline that it must beat; ``decimals`` sets how it prints."""

    name: str
    value: float
    asserted: tuple[float, float]
    baseline: float
    baseline_name: str
    higher_is_better: bool = True
    decimals: int = 3

    def problems(self) -> list[str]:
        low, high = self.asserted
        found = []
        if not (math.isfinite(self.value) and low <= self.value <= high):
            found.append(
                f"{self.name} = {self._f(self.value)}, outside "
                f"{self._f(low)}-{self._f(high)}"
            )
        beats = (
            self.value > self.baseline
            if self.higher_is_better
            else self.value < self.baseline
        )
        if not beats:
            found.append(
                f"{self.name} = {self._f(self.value)} does not beat the baseline "
                f"({self.baseline_name}, {self._f(self.baseline)})"
            )
        return found

    def _f(self, number: float) -> str:
        return f"{number:.{self.decimals}f}"


def report_headlines(*rows: Headline) -> None:
    """Print this run's headline numbers beside their asserted ranges and naive
    baselines, record them (see :data:`HEADLINES_ENV`), and assert that each lies in
    its range and beats its baseline."""
    width = max(len(r.name) for r in rows) + 2
    header = f"{'headline number':<{width}}{'this run':>10}{'asserted range':>16}"
    print(header + "   naive baseline")
    for r in rows:
        low, high = r.asserted
        better = "higher" if r.higher_is_better else "lower"
        print(
            f"{r.name:<{width}}{r._f(r.value):>10}{f'{r._f(low)}-{r._f(high)}':>16}   "
            f"{r._f(r.baseline)} ({r.baseline_name}; {better} is better)"
        )
    problems = [r.problems() for r in rows]
    path = os.environ.get(HEADLINES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            for r, found in zip(rows, problems):
                record = asdict(r) | {
                    "value": float(r.value),
                    "baseline": float(r.baseline),
                    "ok": not found,
                }
                f.write(json.dumps(record) + "\n")
    if any(problems):
        raise AssertionError("; ".join(p for found in problems for p in found))
