"""Small helpers every chapter needs: seeds, threads, device choice, timing, and the
end-of-chapter report of its headline numbers. The time checks and what a run records
live in :mod:`dlbook.runs`; the chapters import the two checks from here."""

from __future__ import annotations

import math
import os
import random
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import numpy as np

from dlbook.runs import check_run_time, check_training_time, record, time_allowed
from dlbook.runs import numpy_gflops as machine_gflops

__all__ = [
    "Headline",
    "check_run_time",
    "check_training_time",
    "get_device",
    "machine_gflops",
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
    baselines, record them (:func:`dlbook.runs.record`), and assert that each lies in
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
    for r, found in zip(rows, problems):
        fields = asdict(r) | {"value": float(r.value), "baseline": float(r.baseline)}
        record("headline", **fields, ok=not found)
    if any(problems):
        raise AssertionError("; ".join(p for found in problems for p in found))
