"""dlbook: the helper package of *Deep Learning from First Principles*.

Modules: :mod:`dlbook.data` (verified datasets), :mod:`dlbook.gradcheck` (gradient checks),
:mod:`dlbook.utils` (seeds, threads, device), :mod:`dlbook.plotting`, :mod:`dlbook.training`,
:mod:`dlbook.grading` (checks behind the graded exercises).
"""

__version__ = "0.1.0"
