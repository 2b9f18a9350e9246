"""dlbook: the course package of *Deep Learning from First Principles*.

- :mod:`dlbook.scratch`: the from-scratch NumPy library the chapters build, one module
  per concept.
- :mod:`dlbook.grading`: the checks behind the graded exercises and each chapter's
  reference answers.
- Course tooling: :mod:`dlbook.data` (verified datasets), :mod:`dlbook.gradcheck`
  (gradient checks), :mod:`dlbook.training` (training loops for NumPy and PyTorch
  models), :mod:`dlbook.interpret` (attribution maps), :mod:`dlbook.plotting`,
  :mod:`dlbook.notebooks` (showing package code in a chapter), :mod:`dlbook.utils`
  (seeds, threads, device, timing).
"""

__version__ = "0.1.0"
