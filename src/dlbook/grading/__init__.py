"""Grading: the checks behind the graded exercises,
and each chapter's reference answers.

- :mod:`dlbook.grading.checks`: call a learner's function safely (:func:`answer_of`:
  placeholders, exceptions, infinite loops, inputs changed in place) and compare its
  result with a reference, failing with one clear sentence (:func:`check_array`,
  :func:`check_scalar`, :func:`check_tuple`).
- :mod:`dlbook.grading.numpy_only`: the guard for questions that must be answered with
  NumPy alone.
- :mod:`dlbook.grading.notebook_tests`: an exercise notebook's public tests, written out
  as files where otter needs them (Colab).
- :mod:`dlbook.grading.reference`: one module per chapter, the reference answers written
  with PyTorch, so that no test holds the NumPy solution.

The otter-grader tests of ``solutions/*.ipynb`` import from here.
"""

from dlbook.grading import checks as _checks
from dlbook.grading import notebook_tests as _notebook_tests
from dlbook.grading import numpy_only as _numpy_only
from dlbook.grading.checks import *  # noqa: F403
from dlbook.grading.notebook_tests import *  # noqa: F403
from dlbook.grading.numpy_only import *  # noqa: F403

__all__ = [*_checks.__all__, *_notebook_tests.__all__, *_numpy_only.__all__]
