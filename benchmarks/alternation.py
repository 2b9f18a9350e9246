"""NumPy beside PyTorch: a NumPy matrix product and a small PyTorch training step run in
turn, each alone, in fresh processes, with OpenBLAS's threads left to busy-wait after
each product (its default) and told to sleep at once (what ``import dlbook`` before
NumPy sets: ``dlbook/__init__.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .machine import cpu_model

_CHILD = """
import json, os, sys, time
if sys.argv[1] == "dlbook first":
    import dlbook  # noqa: F401  (sets OPENBLAS_THREAD_TIMEOUT before NumPy loads)
import numpy as np
import torch

torch.set_num_threads(os.cpu_count())
a = np.random.default_rng(0).standard_normal((256, 256), dtype=np.float32)
x, layer = torch.randn(64, 256), torch.nn.Linear(256, 256)


def torch_step():
    layer(x).sum().backward()


def numpy_product():
    a @ a


def best_us(fn, calls=100, rounds=5):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls * 1e6)
    return min(times)


for _ in range(50):
    torch_step(), numpy_product()
alone_torch, alone_numpy = best_us(torch_step), best_us(numpy_product)
in_turn = best_us(lambda: (numpy_product(), torch_step()))
print(json.dumps({"torch_us": alone_torch, "numpy_us": alone_numpy,
                  "in_turn_us": in_turn,
                  "slowdown": in_turn / (alone_torch + alone_numpy)}))
"""


def measure() -> dict:
    """Both settings, each in a fresh process; the user's own OpenBLAS setting is
    removed so that the default is measured."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    out = {"cpu_model": cpu_model(), "cores": os.cpu_count()}
    for setting in ("default", "dlbook first"):
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, setting],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        out[setting] = json.loads(done.stdout)
    return out
