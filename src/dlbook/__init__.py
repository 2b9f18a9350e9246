"""dlbook: the course package of *Deep Learning from First Principles*.

- :mod:`dlbook.scratch`: the from-scratch NumPy library the chapters build, one module
  per concept.
- :mod:`dlbook.grading`: the checks behind the graded exercises and each chapter's
  reference answers.
- Course tooling: :mod:`dlbook.data` (verified datasets), :mod:`dlbook.gradcheck`
  (gradient checks), :mod:`dlbook.training` (training loops for NumPy and PyTorch
  models), :mod:`dlbook.interpret` (attribution maps), :mod:`dlbook.plotting`,
  :mod:`dlbook.notebooks` (showing package code in a chapter), :mod:`dlbook.utils`
  (seeds, threads, device, timing, headline numbers), :mod:`dlbook.runs` (time budgets
  scaled to the machine, and what a run records).
"""

__version__ = "0.1.0"

import os as _os
import sys as _sys

# NumPy beside PyTorch on a few cores. After each NumPy matrix product, OpenBLAS's
# worker threads busy-wait for about 2^28 cycles (0.1 s) in case another product
# follows, and PyTorch's OpenMP threads do the same after each operation: a NumPy call
# and a PyTorch call in turn then fight over the cores, and on 2 cores each became 10
# to 80 times slower (benchmarks/, "NumPy beside PyTorch"). OpenBLAS reads its waiting
# time when NumPy loads, so the course's notebooks import dlbook in their set-up cell,
# before NumPy; a value set by the user is kept.
if "numpy" not in _sys.modules:
    _os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")  # 2^4 cycles, then sleep
