"""The guard behind exercises that must be answered with NumPy alone.

:func:`numpy_only_answer` is :func:`dlbook.grading.answer_of` for such questions: it
refuses, with a clear message, an answer that refers to a forbidden module (torch, or
the chapter's own solution code, passed in by each chapter's reference module), and
calls the answer with torch out of reach, so that an ``import torch`` inside it fails
too.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from dlbook.grading.checks import answer_of

__all__ = ["forbidden_uses", "numpy_only_answer", "numpy_only_checker"]


def _is_forbidden(value: Any, forbidden_modules: tuple[str, ...]) -> str | None:
    """The forbidden module that ``value`` is or comes from, else None."""
    if isinstance(value, types.ModuleType):
        module = value.__name__
    else:
        module = getattr(value, "__module__", None)
        if not isinstance(module, str):
            module = type(value).__module__
    for forbidden in forbidden_modules:
        if module == forbidden or module.startswith(forbidden + "."):
            return forbidden
    return None


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def forbidden_uses(
    fn: Callable, forbidden: tuple[str, ...], _seen: set | None = None
) -> list[str]:
    """What ``fn`` (and the notebook functions it
    calls) takes from the ``forbidden`` modules.

    Looks at the names its code refers to (globals, imports, closures), and follows them
    into the other Python functions it calls (the learner's helpers; NumPy's and
    dlbook's own functions are trusted). An ``import`` inside the function is caught by
    the module name it binds.
    """
    seen = set() if _seen is None else _seen
    if id(fn) in seen or not hasattr(fn, "__code__"):
        return []
    seen.add(id(fn))
    names = _names(fn.__code__)
    values = {name: fn.__globals__[name] for name in names if name in fn.__globals__}
    imported = [n for n in names - set(values) if _is_forbidden_name(n, forbidden)]
    found = [f"import {name}" for name in imported]
    for cell, name in zip(fn.__closure__ or (), fn.__code__.co_freevars):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    for name, value in values.items():
        module = _is_forbidden(value, forbidden)
        if module:
            found.append(f"{name} (from {module})")
        elif isinstance(value, types.FunctionType) and not _trusted(value):
            # a notebook function it calls
            uses = forbidden_uses(value, forbidden, seen)
            found += [f"{name} -> {use}" for use in uses]
    return sorted(set(found))


def _is_forbidden_name(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in forbidden)


def _trusted(fn: types.FunctionType) -> bool:
    return (fn.__module__ or "").startswith(("numpy", "dlbook"))


@contextmanager
def _torch_hidden():
    """``import torch`` fails inside the block; sys.modules is restored afterwards."""
    hidden = {
        k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")
    }
    try:
        for key in hidden:
            sys.modules[key] = None  # an import of a None entry raises ImportError
        yield
    finally:
        sys.modules.update(hidden)


def numpy_only_answer(
    fn: Any,
    *args,
    forbidden: tuple[str, ...] = ("torch",),
    name: str | None = None,
    seconds: float = 10.0,
) -> Any:
    """:func:`dlbook.grading.answer_of`, for answers that must use NumPy only.

    Fails with a clear message when the function refers to one of the ``forbidden``
    modules (torch, and the chapter's own code: each reference module lists its
    chapter's), and calls it with torch hidden, so that an ``import torch`` inside it
    fails too.
    """
    name = name or getattr(fn, "__name__", "the answer")
    if callable(fn):
        uses = forbidden_uses(fn, forbidden)
        if uses:
            raise AssertionError(
                f"{name} must use NumPy only, but it uses {', '.join(uses)}: "
                "write the computation with NumPy"
            )
    with _torch_hidden():
        try:
            return answer_of(fn, *args, name=name, seconds=seconds)
        except AssertionError as e:
            text = str(e)
            if "torch" in text and (
                "ImportError" in text or "ModuleNotFoundError" in text
            ):
                raise AssertionError(
                    f"{name} must use NumPy only, but it imports torch"
                ) from e
            raise


def numpy_only_checker(forbidden: tuple[str, ...]) -> Callable[..., Any]:
    """:func:`numpy_only_answer` with one chapter's ``forbidden`` modules fixed.

    Each reference module with NumPy-only questions defines
    ``numpy_only_answer = numpy_only_checker(FORBIDDEN)``.
    """

    def check(fn: Any, *args, **kwargs) -> Any:
        return numpy_only_answer(fn, *args, forbidden=forbidden, **kwargs)

    check.__name__ = check.__qualname__ = "numpy_only_answer"
    check.__doc__ = f":func:`dlbook.grading.numpy_only_answer`, forbidding {forbidden}."
    return check
