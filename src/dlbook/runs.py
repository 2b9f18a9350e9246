"""What a chapter's run may cost, and what it records.

Budgets are seconds on CI's 2-core machines. A machine that multiplies matrices more
slowly gets proportionally more time, measured on the work the run does: NumPy's float32
products for the chapter as a whole, PyTorch's products in the precision a training run
uses for that run (:func:`check_training_time`). So a correct chapter passes on a slower
processor, and a chapter that became twice as slow fails. The checks fail only where
``CI`` is set (``.ci/run`` sets it): a learner on a slow laptop sees the times, not an
error.

A run records what it measured as JSON lines in the file named by :data:`RECORD_ENV`
(``tools/execute_notebooks.py`` stores them in the notebook's metadata; the benchmark
suite reads its own runs): the chapter's headline numbers
(:func:`dlbook.utils.report_headlines`), its training runs and its run time.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "RECORD_ENV",
    "REFERENCE_NUMPY_GFLOPS",
    "REFERENCE_TORCH_GFLOPS",
    "TrainingTime",
    "check_run_time",
    "check_training_time",
    "numpy_gflops",
    "record",
    "recorded_runs",
    "records_by_kind",
    "time_allowed",
    "torch_gflops",
]

RECORD_ENV = "DLBOOK_HEADLINES"
"""When this environment variable names a file, each record of a run is appended to it
as a JSON line (see :func:`recorded_runs`)."""

# The speeds at which the budgets were set, on CI's 2 cores. NumPy's float32 products:
# the chapters' budgets (COURSE.md). PyTorch's, in float32 and in bfloat16: the Intel
# Xeon (AVX-512, AMX) whose stored runs set the training budgets; an AMD EPYC Zen 4
# (AVX-512 BF16, no AMX) does 195 and 430, and a Zen 3 (AVX2, no native bfloat16) 140
# in float32, so each gets proportionally more time.
REFERENCE_NUMPY_GFLOPS = 200.0
REFERENCE_TORCH_GFLOPS = {"float32": 368.0, "bfloat16": 886.0}


def _best_gflops(product, size: int, repeat: int) -> float:
    product()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        product()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def numpy_gflops(size: int = 1024, repeat: int = 5) -> float:
    """NumPy's float32 matrix-product speed here, in GFLOP/s (best of ``repeat``)."""
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    return _best_gflops(lambda: a @ a, size, repeat)


def torch_gflops(precision: str = "float32", size: int = 1024, repeat: int = 5):
    """PyTorch's matrix-product speed on the CPU here, in GFLOP/s, in ``precision``
    (``"float32"`` or ``"bfloat16"``), with the threads it is set to use."""
    import torch

    a = torch.randn(size, size).to(getattr(torch, precision))
    return _best_gflops(lambda: a @ a, size, repeat)


def time_allowed(
    budget: float, gflops: float, reference: float = REFERENCE_NUMPY_GFLOPS
) -> float:
    """``budget`` (seconds at ``reference`` GFLOP/s) scaled to a machine doing the same
    work at ``gflops``; a faster machine gets no less than the budget."""
    return budget * max(1.0, reference / gflops)


def _enforced() -> bool:
    return bool(os.environ.get("CI"))


def record(kind: str, **fields) -> None:
    """Append one record of this run (``kind`` and ``fields``) to :data:`RECORD_ENV`."""
    path = os.environ.get(RECORD_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"kind": kind} | fields) + "\n")


@dataclass(frozen=True)
class TrainingTime:
    """One PyTorch training run of a chapter: its time, its budget and the time
    allowed at this machine's speed in the precision the run used."""

    name: str
    seconds: float
    budget: float
    precision: str
    gflops: float
    reference_gflops: float
    allowed: float


_TRAININGS: list[TrainingTime] = []  # this kernel's, until check_run_time


def check_training_time(
    name: str,
    seconds: float,
    budget: float,
    precision: str = "float32",
    reference_precision: str | None = None,
    gflops: float | None = None,
) -> TrainingTime:
    """Print a PyTorch training run's time beside its budget, record it, and (where
    ``CI`` is set) fail when it took longer than allowed.

    ``budget`` is seconds on the reference machine running in ``reference_precision``
    (default: ``precision``); here the run used ``precision`` at ``gflops`` (measured
    when not given), and the time allowed grows by the ratio of the two speeds. A
    bfloat16 budget met on a processor that multiplies bfloat16 natively thus holds
    elsewhere at float32 speed.
    """
    reference = REFERENCE_TORCH_GFLOPS[reference_precision or precision]
    gflops = torch_gflops(precision) if gflops is None else gflops
    allowed = time_allowed(budget, gflops, reference)
    run = TrainingTime(name, seconds, budget, precision, gflops, reference, allowed)
    _TRAININGS.append(run)
    print(
        f"{name}: trained in {seconds:.0f} s; budget {budget:.0f} s on CI's 2 cores, "
        f"{allowed:.0f} s here (PyTorch {precision} products at {gflops:.0f} GFLOP/s "
        f"against {reference:.0f})"
    )
    record("training", **asdict(run), ok=seconds <= allowed)
    if _enforced() and seconds > allowed:
        raise AssertionError(
            f"{name} trained for {seconds:.0f} s, over the {allowed:.0f} s allowed here"
        )
    return run


def check_run_time(
    start: float, budget: float, gflops: float | None = None, now: float | None = None
) -> None:
    """Print the chapter's run time since ``start`` (``time.perf_counter()``) beside
    its budget, record it, and (where ``CI`` is set) fail when it is over.

    The budget is seconds on CI's 2-core CPU. The chapter's PyTorch training runs
    (:func:`check_training_time`) get what was allowed for them; the rest of the
    budget is scaled by NumPy's speed here (``gflops``, measured when not given).
    Returns nothing, so that a notebook's last cell shows only the printed line.
    """
    elapsed = (time.perf_counter() if now is None else now) - start
    gflops = numpy_gflops() if gflops is None else gflops
    trainings = list(_TRAININGS)
    _TRAININGS.clear()
    trained_budget = sum(t.budget for t in trainings)
    rest = time_allowed(max(0.0, budget - trained_budget), gflops)
    allowed = rest + sum(t.allowed for t in trainings)
    of_which = f" ({trained_budget:.0f} s of it PyTorch training)" if trainings else ""
    print(
        f"this chapter ran in {elapsed:.0f} s here; its budget is {budget:.0f} s on "
        f"CI's 2-core CPU{of_which}, {allowed:.0f} s on this machine (NumPy at "
        f"{gflops:.0f} GFLOP/s against {REFERENCE_NUMPY_GFLOPS:.0f})"
    )
    record(
        "run_time",
        seconds=elapsed,
        budget=budget,
        allowed=allowed,
        numpy_gflops=gflops,
        ok=elapsed <= allowed,
    )
    if _enforced() and elapsed > allowed:
        raise AssertionError(
            f"the chapter took {elapsed:.0f} s, over its {allowed:.0f} s budget here"
        )


@contextmanager
def recorded_runs():
    """Collect what the processes started inside the block record (notebook kernels
    inherit the environment): yields a list, filled with the records as dicts when
    the block ends."""
    rows: list[dict] = []
    saved = os.environ.get(RECORD_ENV)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "records.jsonl"
        os.environ[RECORD_ENV] = str(path)
        try:
            yield rows
        finally:
            if saved is None:
                del os.environ[RECORD_ENV]
            else:
                os.environ[RECORD_ENV] = saved
            if path.exists():
                rows += [json.loads(line) for line in path.read_text().splitlines()]


def records_by_kind(records: list[dict]) -> dict[str, list[dict]]:
    """A run's records grouped by their ``kind`` (``"headline"``, ``"training"``,
    ``"run_time"``, ...), each without its ``kind`` key."""
    grouped: dict[str, list[dict]] = {}
    for row in records:
        fields = {k: v for k, v in row.items() if k != "kind"}
        grouped.setdefault(row.get("kind", "headline"), []).append(fields)
    return grouped
