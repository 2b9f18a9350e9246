"""Timing and memory measurements shared by the benchmarks."""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
import tracemalloc
from collections.abc import Callable


def median_time(
    fn: Callable[[], object], warmup: int = 2, repeat: int = 7, budget_s: float = 0.5
) -> dict:
    """Median (and min, max) seconds of ``fn()`` over ``repeat`` timed runs after
    ``warmup`` untimed ones; fewer runs (at least 3) when one run is slower than
    ``budget_s / repeat``, so that a measurement takes about ``budget_s`` at most."""
    start = time.perf_counter()
    for _ in range(max(1, warmup)):
        fn()
    first = (time.perf_counter() - start) / max(1, warmup)
    runs = max(3, min(repeat, int(budget_s / max(first, 1e-9))))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "runs": runs,
    }


def numpy_peak_bytes(fn: Callable[[], object]) -> int:
    """Peak bytes allocated by ``fn()`` above what was allocated before, as NumPy
    reports its array buffers to ``tracemalloc``."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def torch_saved_bytes(fn: Callable[[], object]) -> int:
    """Bytes of the tensors that autograd saves for the backward pass while ``fn()``
    runs its forward pass (each storage counted once): the memory that training holds
    beyond the parameters. CPU torch has no peak-memory counter like CUDA's."""
    import torch

    seen: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(seen.values())


def profile_top(fn: Callable[[], object], runs: int = 5, top: int = 6) -> list[dict]:
    """Where ``fn``'s time goes: the ``top`` functions by own time (cProfile over
    ``runs`` calls), each with its share of the total."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values()) or 1.0
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    out = []
    for (filename, line, name), (_, ncalls, tottime, _, _) in rows:
        where = filename.rsplit("/", 1)[-1] if filename != "~" else ""
        label = f"{where}:{line}({name})" if where else name
        out.append(
            {
                "function": label,
                "calls_per_run": ncalls / runs,
                "share": tottime / total,
            }
        )
    return out


def interleaved_times(
    fns: dict[str, Callable[[], object]],
    warmup: int = 2,
    repeat: int = 15,
    budget_s: float = 1.0,
    min_runs: int = 5,
) -> dict[str, dict]:
    """:func:`median_time` for several functions at once, run in turns (one call of
    each per round), so that a slow spell of a shared machine hits all of them alike
    and their ratios stay fair."""
    for _ in range(max(1, warmup)):
        for fn in fns.values():
            fn()
    start = time.perf_counter()
    for fn in fns.values():
        fn()
    one_round = time.perf_counter() - start
    runs = max(min_runs, min(repeat, int(budget_s / max(one_round, 1e-9))))
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {
        name: {
            "median_s": statistics.median(ts),
            "min_s": min(ts),
            "max_s": max(ts),
            "runs": runs,
        }
        for name, ts in times.items()
    }


def alternating_rounds(
    groups: dict[str, dict[str, Callable[[], object]]],
    rounds: int = 7,
    budget_s: float = 0.25,
) -> dict[str, list[dict]]:
    """Groups of functions (one group a library) timed in alternating blocks: in each
    of ``rounds`` rounds every group runs :func:`interleaved_times` for about
    ``budget_s``, then :func:`settle`, and the groups' order reverses from one round
    to the next. A slow spell of a shared machine then falls on the libraries in turn
    rather than on one of them, and their ratio can be taken round by round. Returns
    each function's timing in each round."""
    per_round: dict[str, list[dict]] = {}
    order = list(groups)
    for r in range(rounds):
        for group in order if r % 2 == 0 else order[::-1]:
            timings = interleaved_times(groups[group], warmup=1, budget_s=budget_s)
            for name, timing in timings.items():
                per_round.setdefault(name, []).append(timing)
            settle()
    return per_round


SETTLE_S = 0.3  # python -m benchmarks --quick sets 0


def settle(seconds: float | None = None) -> None:
    """Pause between the libraries: OpenBLAS's idle threads spin for a while after a
    NumPy product (about 2^28 cycles by default) and would take a core from the
    PyTorch threads that run next (and PyTorch's OpenMP threads spin too)."""
    time.sleep(SETTLE_S if seconds is None else seconds)
