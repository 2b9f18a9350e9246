"""Checks for the graded exercises:
each failure says what is wrong in one clear sentence.

The otter-grader tests of ``solutions/*.ipynb`` call these helpers, so a learner sees
"sigmoid returned shape (3,) but the answer has shape (3, 4)" rather than a bare
traceback, and an answer that loops forever is stopped after a few seconds instead of
hanging the notebook.
"""

from __future__ import annotations

import inspect
import linecache
import signal
import threading
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "AnswerTimeout",
    "answer_of",
    "call_and_check",
    "check_array",
    "check_scalar",
    "check_tuple",
    "time_limit",
]


class AnswerTimeout(AssertionError):
    """An answer did not finish within its time limit."""


@contextmanager
def time_limit(seconds: float, what: str = "your code"):
    """Stop the block with :class:`AnswerTimeout` after ``seconds`` (main thread, Unix).

    Elsewhere (no SIGALRM, or not the main thread) the block runs without a limit.
    """
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise AnswerTimeout(
            f"{what} did not finish within {seconds:g} s: is there an infinite loop?"
        )

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def answer_of(
    fn: Any,
    *args,
    name: str | None = None,
    seconds: float = 5.0,
    keep_inputs: bool = False,
    **kwargs,
) -> Any:
    """Call the learner's function ``fn(*args, **kwargs)`` and return its result.

    Fails with a clear message when ``fn`` is still a placeholder, raises (saying where
    in the learner's code), or runs longer than ``seconds``. The answer gets copies of
    the array arguments, so it cannot change the test's own values; with
    ``keep_inputs=True`` (for questions that say "inputs left unchanged") an answer that
    changes an array argument in place fails.
    """
    name = name or getattr(fn, "__name__", "the answer")
    if fn is Ellipsis or fn is None:
        raise AssertionError(
            f"{name} is not written yet: replace the ... with your code"
        )
    if not callable(fn):
        raise AssertionError(
            f"{name} should be a function, but it is a {type(fn).__name__}"
        )
    copies = tuple(_copy(a) for a in args)
    kw_copies = {k: _copy(v) for k, v in kwargs.items()}
    try:
        with time_limit(seconds, what=name):
            result = fn(*copies, **kw_copies)
    except AnswerTimeout:
        raise
    except Exception as e:
        where = _where_in(fn, e)
        raise AssertionError(f"{name} raised {type(e).__name__}{where}: {e}") from e
    if keep_inputs:
        _check_unchanged(fn, name, (args, kwargs), (copies, kw_copies))
    return result


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _where_in(fn: Callable, error: Exception) -> str:
    """`` at line N of f (`code`)``: the deepest
    line of the learner's code in the traceback.

    The learner's code is what lives in the file (notebook cell) that ``fn`` was defined
    in; N counts from the ``def`` line of the function ``f`` that holds it.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    frames = [
        (frame.f_code, lineno)
        for frame, lineno in traceback.walk_tb(error.__traceback__)
        if frame.f_code.co_filename == code.co_filename
    ]
    if not frames:
        return ""
    where, lineno = frames[-1]
    text = linecache.getline(where.co_filename, lineno).strip()
    shown = f" (`{text}`)" if text else ""
    return f" at line {lineno - where.co_firstlineno + 1} of {where.co_name}{shown}"


def _check_unchanged(fn: Callable, name: str, originals: tuple, copies: tuple) -> None:
    """Fail when an array argument differs from the caller's value after the call."""
    (args, kwargs), (arg_copies, kw_copies) = originals, copies
    try:
        names = list(inspect.signature(fn).bind(*args, **kwargs).arguments)
    except (TypeError, ValueError):
        names = [f"argument {i + 1}" for i in range(len(args))] + list(kwargs)
    pairs = list(zip(args, arg_copies)) + [(kwargs[k], kw_copies[k]) for k in kwargs]
    for arg_name, (before, after) in zip(names, pairs):
        if isinstance(before, np.ndarray) and not np.array_equal(
            before, after, equal_nan=True
        ):
            raise AssertionError(
                f"{name} changed its input {arg_name} in place; "
                "the question asks to leave the inputs unchanged: "
                f"work on a copy ({arg_name} = {arg_name}.copy())"
            )


def check_array(
    name: str, got: Any, expected: np.ndarray, rtol: float = 1e-6, atol: float = 1e-8
) -> None:
    """Assert that ``got`` is an array of ``expected``'s shape, finite,
    and close to it."""
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        raise AssertionError(
            f"{name} is None: did the function forget to `return` its result?"
        )
    if got is Ellipsis:
        raise AssertionError(
            f"{name} is not written yet: replace the ... with your code"
        )
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError) as e:
        kind = type(got).__name__
        raise AssertionError(
            f"{name} should be a NumPy array of numbers; it is a {kind}"
        ) from e
    if got.shape != expected.shape:
        raise AssertionError(
            f"{name} has shape {got.shape} but the answer has shape {expected.shape}"
        )
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{name} holds {int(bad.sum())} NaN or infinite value(s) "
            f"(first at index {where}): "
            "look for overflow, log(0) or a division by zero"
        )
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if wrong.any():
        where = tuple(int(i) for i in np.argwhere(wrong)[0])
        raise AssertionError(
            f"{name} is wrong in {int(wrong.sum())} of {got.size} entries; "
            f"first at index {where}: "
            f"got {got[where]:.6g}, expected {expected[where]:.6g}"
        )


def check_scalar(
    name: str, got: Any, expected: float, rtol: float = 1e-6, atol: float = 1e-8
) -> None:
    """Assert that ``got`` is one finite number close to ``expected``."""
    if got is None or got is Ellipsis:
        check_array(name, got, np.float64(expected))
    arr = np.asarray(got)
    if arr.size != 1:
        raise AssertionError(
            f"{name} should be a single number, but it has shape {arr.shape}"
        )
    check_array(name, arr.reshape(()), np.float64(expected), rtol=rtol, atol=atol)


def check_tuple(name: str, got: Any, length: int) -> tuple:
    """Assert that ``got`` is a tuple (or list) of
    ``length`` items and return it as a tuple."""
    if got is None:
        raise AssertionError(
            f"{name} is None: did the function forget to `return` its result?"
        )
    if not isinstance(got, (tuple, list)) or len(got) != length:
        raise AssertionError(
            f"{name} should be a tuple of {length} items, "
            f"but it is {type(got).__name__} {got!r:.80}"
        )
    return tuple(got)


def call_and_check(
    fn: Callable, reference: Callable, *args, name: str | None = None, **tol
) -> None:
    """Compare the learner's ``fn(*args)`` with
    ``reference(*args)`` on the same inputs."""
    name = name or getattr(fn, "__name__", "the answer")
    check_array(
        f"{name}(...)", answer_of(fn, *args, name=name), reference(*args), **tol
    )
