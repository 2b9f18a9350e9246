"""Grading: the checks behind the graded exercises,
and each chapter's reference answers.

- :mod:`dlbook.grading.checks`: call a learner's function safely (:func:`answer_of`:
  placeholders, exceptions, infinite loops, inputs changed in place) and compare its
  result with a reference, failing with one clear sentence (:func:`check_array`,
  :func:`check_scalar`, :func:`check_tuple`).
- :mod:`dlbook.grading.numpy_only`: the guard for questions that must be answered with
  NumPy alone.
- :mod:`dlbook.grading.reference`: one module per chapter, the reference answers written
  with PyTorch, so that no test holds the NumPy solution.

The otter-grader tests of ``solutions/*.ipynb`` import from here.
"""

from dlbook.grading.checks import (
    AnswerTimeout,
    answer_of,
    call_and_check,
    check_array,
    check_scalar,
    check_tuple,
    time_limit,
)
from dlbook.grading.numpy_only import forbidden_uses, numpy_only_answer

__all__ = [
    "AnswerTimeout",
    "answer_of",
    "call_and_check",
    "check_array",
    "check_scalar",
    "check_tuple",
    "forbidden_uses",
    "numpy_only_answer",
    "time_limit",
]
