"""The guard behind exercises that must be answered with NumPy alone.

:func:`numpy_only_answer` is :func:`dlbook.grading.answer_of` for such questions. It
refuses, with a clear message, an answer that reaches a forbidden module (torch, or the
chapter's own solution code, passed in by each chapter's reference module), however it
reaches it:

1. before the call, a static look at the answer (:func:`forbidden_uses`): the names its
   code refers to, the attribute chains behind them, resolved on the actual objects
   (``dlbook.scratch.rnn.lstm_cell_forward`` behind an ``import dlbook.scratch.rnn``,
   ``d.scratch.rnn.f`` behind ``import dlbook as d``), the imports inside it, the names
   of forbidden modules written as strings (``importlib.import_module("torch")``,
   ``sys.modules["dlbook.scratch.rnn"]``, ``getattr(module, "name")``), its default
   arguments and closures, and the learner's own helpers, classes, methods, lambdas and
   ``functools.partial`` objects it calls, followed the same way;
2. during the call, a dynamic guard (:func:`forbidden_modules_out_of_reach`): the
   forbidden modules are hidden from ``sys.modules`` (so an ``import`` of one fails) and
   a profile hook refuses any call into a forbidden module's code (a Python function
   whose file belongs to it, or a torch builtin), however the answer got hold of it.
   NumPy, math and the learner's own code run as usual; the hook only looks up a code's
   file name in a table, and ``sys.modules`` and the previous profile hooks are restored
   afterwards, also when the answer raises or runs out of time.
"""

from __future__ import annotations

import dis
import functools
import importlib.util
import inspect
import os
import sys
import sysconfig
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dlbook.grading.checks import answer_of

__all__ = [
    "forbidden_modules_out_of_reach",
    "forbidden_uses",
    "numpy_only_answer",
    "numpy_only_checker",
]

# Code from these packages is not followed into (it is not the learner's); a forbidden
# module among them is still refused, statically and during the call.
_TRUSTED = (
    "numpy",
    "dlbook",
    "builtins",
    "math",
    "cmath",
    "functools",
    "itertools",
    "operator",
    "collections",
    "typing",
    "abc",
    "enum",
    "dataclasses",
)
_MISSING = object()


# --- the static look ----------------------------------------------------------------


def _is_forbidden_name(name: str, forbidden: tuple[str, ...]) -> str | None:
    """The forbidden module that the dotted ``name`` is or lies in, else None."""
    for f in forbidden:
        if name == f or name.startswith(f + "."):
            return f
    return None


def _is_forbidden(value: Any, forbidden: tuple[str, ...]) -> str | None:
    """The forbidden module that ``value`` is or comes from, else None."""
    try:
        if isinstance(value, types.ModuleType):
            module = value.__name__
        else:
            module = getattr(value, "__module__", None)
            if not isinstance(module, str):
                module = type(value).__module__
    except Exception:  # noqa: BLE001  (an object whose attributes raise)
        return None
    return _is_forbidden_name(module, forbidden) if isinstance(module, str) else None


def _trusted(value: Any) -> bool:
    """Whether ``value`` comes from NumPy, dlbook or an installed library (the standard
    library, site-packages): code that is not followed into."""
    module = getattr(value, "__module__", None) or ""
    if not isinstance(module, str):
        return False
    try:
        return _TRUSTED_MODULES[module]
    except KeyError:
        pass
    trusted = module.startswith(_TRUSTED)
    if not trusted:
        where = getattr(sys.modules.get(module), "__file__", None)
        trusted = bool(where) and os.path.realpath(where).startswith(_library_dirs())
    _TRUSTED_MODULES[module] = trusted
    return trusted


_TRUSTED_MODULES: dict[str, bool] = {}


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    places = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    return tuple(os.path.join(os.path.realpath(p), "") for p in places if p)


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code objects nested in it (lambdas, inner functions, classes,
    comprehensions)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def forbidden_uses(
    fn: Callable, forbidden: tuple[str, ...], _seen: set | None = None
) -> list[str]:
    """What ``fn`` (and the learner's functions, classes and partials it uses) takes
    from the ``forbidden`` modules, as sorted descriptions; empty when nothing.

    Looks at the names its code refers to (globals, closures, default arguments), the
    attribute chains behind them resolved on the actual objects, the imports inside it
    and the names of forbidden modules written as strings, and follows them into the
    learner's own code it uses (NumPy's and dlbook's own functions are not followed; a
    forbidden dlbook module is refused wherever it is reached).
    """
    seen = set() if _seen is None else _seen
    if isinstance(fn, types.FunctionType) and not _is_forbidden(fn, forbidden):
        if id(fn) in seen:
            return []
        seen.add(id(fn))
        return sorted(set(_function_uses(fn, forbidden, seen)))
    module = _is_forbidden(fn, forbidden)
    if module:  # the answer is the forbidden function itself
        qualname = getattr(fn, "__qualname__", None) or type(fn).__qualname__
        return [f"{module}.{qualname} (from {module})"]
    label = getattr(fn, "__name__", None) or type(fn).__name__
    return sorted(set(_value_uses(label, fn, forbidden, seen)))


def _value_uses(label: str, value: Any, forbidden: tuple[str, ...], seen: set) -> list:
    """What ``value`` (``label`` in the learner's code) takes from ``forbidden``."""
    module = _is_forbidden(value, forbidden)
    if module:
        named = getattr(value, "__name__", None)
        if isinstance(value, types.ModuleType) or not isinstance(named, str):
            return [f"{label} (from {module})"]
        if named not in label:  # an alias, a default, a partial's function
            label = f"{label} = {getattr(value, '__qualname__', named)}"
        return [f"{label} (from {module})"]
    if isinstance(value, (types.ModuleType, int, float, complex, str, bytes, bool)):
        return []
    if id(value) in seen:
        return []
    if isinstance(value, types.FunctionType):
        if _trusted(value):
            return []
        seen.add(id(value))
        return [f"{label} -> {use}" for use in _function_uses(value, forbidden, seen)]
    parts: list[tuple[str, Any]] = []
    if isinstance(value, types.MethodType):
        parts = [(label, value.__func__), (label, value.__self__)]
    elif isinstance(value, (staticmethod, classmethod)):
        parts = [(label, value.__func__)]
    elif isinstance(value, property):
        parts = [(label, f) for f in (value.fget, value.fset, value.fdel) if f]
    elif isinstance(value, functools.partial):
        named = getattr(value.func, "__qualname__", type(value.func).__qualname__)
        parts = [(f"{label} = partial({named})", value.func)]
        parts += [(label, a) for a in (*value.args, *value.keywords.values())]
    elif isinstance(value, (list, tuple, set, frozenset, dict)):
        items = value.values() if isinstance(value, dict) else value
        if len(items) <= 100:
            parts = [
                (f"an item of {label}", item)
                for item in items
                if not isinstance(item, (int, float, complex, str, bytes))
            ]
    elif isinstance(value, type):
        if _trusted(value):
            return []
        seen.add(id(value))
        found = []
        for base in value.__mro__[1:]:
            module = _is_forbidden(base, forbidden)
            if module:
                found.append(
                    f"{label} (a subclass of {base.__module__}.{base.__qualname__})"
                )
        for key, attr in list(vars(value).items()):
            if not (key.startswith("__") and key.endswith("__")) or key in (
                "__init__",
                "__call__",
                "__new__",
            ):
                found += _value_uses(f"{label}.{key}", attr, forbidden, seen)
        return found
    elif not _trusted(type(value)):
        # an instance of the learner's class: its class's methods
        parts = [(label, type(value))]
    seen.add(id(value))
    found = []
    for part_label, part in parts:
        found += _value_uses(part_label, part, forbidden, seen)
    return found


def _function_uses(fn: types.FunctionType, forbidden: tuple[str, ...], seen: set):
    """What the learner's function ``fn`` takes from ``forbidden``."""
    code = fn.__code__
    values: dict[str, Any] = {}
    names = set().union(*(c.co_names for c in _codes(code)))
    for name in names:
        if name in fn.__globals__:
            values[name] = fn.__globals__[name]
    for cell, name in zip(fn.__closure__ or (), code.co_freevars):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    params = code.co_varnames[: code.co_argcount]
    defaults = fn.__defaults__ or ()
    for param, value in zip(params[len(params) - len(defaults) :], defaults):
        values[f"the default of {param}"] = value
    for param, value in (fn.__kwdefaults__ or {}).items():
        values[f"the default of {param}"] = value
    found = []
    for name, value in values.items():
        found += _value_uses(name, value, forbidden, seen)
    found += _ChainWalk(fn, forbidden, seen).run()
    return found


class _Chain:
    """One attribute chain read from the bytecode: ``base.a.b``, as the objects it
    resolves to and as a dotted module path where it is one."""

    def __init__(self, label: str, obj: Any, dotted: str | None, how: str) -> None:
        self.parts = [label]
        self.obj = obj  # _MISSING where unknown
        self.dotted = dotted
        self.how = how  # "object": a global or closure value; "string"; "binding"
        self.bad: str | None = None  # the forbidden module it reaches
        self.skip = False  # the base itself is forbidden: reported by name already
        self.in_getattr = False  # the first argument of a getattr(...)
        self.getattr_call = False  # extended by getattr(..., "name"): its call follows

    def extend(self, attr: str, forbidden: tuple[str, ...]) -> None:
        self.parts.append(attr)
        value = _MISSING
        if self.obj is not _MISSING:
            try:
                value = inspect.getattr_static(self.obj, attr, _MISSING)
            except Exception:  # noqa: BLE001
                value = _MISSING
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
        if isinstance(value, types.ModuleType):
            self.dotted = value.__name__
        elif value is _MISSING and self.dotted is not None:
            self.dotted = f"{self.dotted}.{attr}"
        else:
            self.dotted = None
        self.obj = value
        if self.bad is None and value is not _MISSING:
            self.bad = _is_forbidden(value, forbidden)
        if self.bad is None and self.dotted is not None:
            self.bad = _is_forbidden_name(self.dotted, forbidden)

    def label(self) -> str:
        parts = self.parts
        if self.how == "string":  # __import__("a.b.c").b.c.f: a.b.c.f
            tail = parts[0].split(".")[1:]
            if tail and parts[1 : 1 + len(tail)] == tail:
                parts = [parts[0], *parts[1 + len(tail) :]]
        return ".".join(parts)


# what may stand between a module-name string and the attribute read on the module:
# __import__("m", fromlist=["f"]).f, importlib.import_module("m").f, sys.modules["m"].f
_STRING_GLUE = frozenset(
    {"PRECALL", "CALL", "KW_NAMES", "BINARY_SUBSCR", "BUILD_LIST", "BUILD_TUPLE"}
    | {"LOAD_CONST", "PUSH_NULL", "NOP", "CALL_FUNCTION_EX", "CALL_KW"}
)


class _ChainWalk:
    """The attribute chains, imports and module-name strings in a function's code
    (and the code nested in it), checked against ``forbidden``."""

    def __init__(self, fn: types.FunctionType, forbidden, seen) -> None:
        self.fn, self.forbidden, self.seen = fn, forbidden, seen
        self.closure = {}
        for cell, name in zip(fn.__closure__ or (), fn.__code__.co_freevars):
            try:
                self.closure[name] = cell.cell_contents
            except ValueError:
                continue
        builtins = fn.__builtins__
        self.builtins = builtins if isinstance(builtins, dict) else vars(builtins)
        self.bindings: dict[str, str] = {}  # local name -> the module path it imports
        self.found: list[str] = []
        self.chain: _Chain | None = None

    def run(self) -> list[str]:
        for code in _codes(self.fn.__code__):
            self.walk(code)
        return self.found

    def flush(self) -> None:
        chain, self.chain = self.chain, None
        if chain is None or (
            chain.skip and (chain.how != "binding" or len(chain.parts) == 1)
        ):
            return
        if chain.bad:
            how = "imports" if chain.how == "string" else "from"
            self.found.append(f"{chain.label()} ({how} {chain.bad})")
        elif len(chain.parts) > 1 and chain.obj is not _MISSING:
            # a learner's helper reached through a chain: follow it
            self.found += _value_uses(
                chain.label(), chain.obj, self.forbidden, self.seen
            )

    def start(self, label: str, obj: Any, dotted: str | None, how: str) -> _Chain:
        self.flush()
        chain = _Chain(label, obj, dotted, how)
        if obj is not _MISSING:
            chain.skip = bool(_is_forbidden(obj, self.forbidden))
            if isinstance(obj, types.ModuleType):
                chain.dotted = obj.__name__
        elif dotted is not None:
            chain.bad = _is_forbidden_name(dotted, self.forbidden)
            chain.skip = how == "binding" and chain.bad is not None  # import reported
        self.chain = chain
        return chain

    def walk(self, code: types.CodeType) -> None:
        ins = [i for i in dis.get_instructions(code) if i.opname != "CACHE"]
        pending = None  # an import statement being read: [module, plain, froms]
        for k, i in enumerate(ins):
            op, arg = i.opname, i.argval
            nxt = ins[k + 1].opname if k + 1 < len(ins) else ""
            if pending is not None:
                if self.read_import(pending, op, arg):
                    if op.startswith("STORE_") and pending[1]:
                        pending = None
                    continue
                pending = None
            if op == "IMPORT_NAME":
                self.flush()
                plain = ins[k - 1].argval is None if k else True
                if _is_forbidden_name(arg, self.forbidden):
                    if plain:
                        self.found.append(f"import {arg}")
                    elif ins[k - 1].argval == ("*",):
                        self.found.append(f"from {arg} import *")
                pending = [arg, plain, []]
            elif (
                op.startswith("LOAD_")
                and op != "LOAD_CONST"
                and not isinstance(arg, str)
            ):
                self.flush()
            elif op in ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_CLOSURE") or op.startswith(
                ("LOAD_FAST", "LOAD_DEREF", "LOAD_CLASSDEREF")
            ):
                previous = ins[k - 1] if k else None
                chain = self.load_name(op, arg)
                if chain is not None and previous is not None:
                    chain.in_getattr = (
                        previous.opname in ("LOAD_GLOBAL", "LOAD_NAME")
                        and previous.argval == "getattr"
                    )
            elif op in ("LOAD_ATTR", "LOAD_METHOD") and self.chain is not None:
                self.chain.extend(arg, self.forbidden)
            elif op == "LOAD_CONST" and isinstance(arg, str):
                chain = self.chain
                if _is_forbidden_name(arg, self.forbidden):
                    self.start(arg, _MISSING, arg, "string")
                elif (
                    chain is not None
                    and (chain.in_getattr or chain.how == "string")
                    and nxt in ("PRECALL", "CALL")
                ):
                    chain.extend(arg, self.forbidden)  # getattr(chain, "name")
                    chain.getattr_call = chain.how != "string"
                elif chain is None or chain.how != "string":
                    self.flush()
            elif self.chain is not None and self.chain.how == "string":
                if op not in _STRING_GLUE:
                    self.flush()
            elif (
                self.chain is not None
                and self.chain.getattr_call
                and op
                in (
                    "PRECALL",
                    "CALL",
                )
            ):
                self.chain.getattr_call = op == "PRECALL"
            elif op not in ("NOP", "EXTENDED_ARG"):
                self.flush()
        self.flush()

    def read_import(self, pending: list, op: str, arg: Any) -> bool:
        """Read one instruction of an import statement; False at its end."""
        module, plain, froms = pending
        if op == "IMPORT_FROM":
            froms.append(arg)
            if not plain and _is_forbidden_name(f"{module}.{arg}", self.forbidden):
                self.found.append(f"from {module} import {arg}")
            return True
        if op.startswith("STORE_") and isinstance(arg, str):
            if plain:  # import a.b.c binds a; import a.b.c as x binds a.b.c
                self.bindings[arg] = module if froms else module.split(".")[0]
            else:
                self.bindings[arg] = f"{module}.{froms[-1]}" if froms else module
            return True
        return plain and op in ("SWAP", "POP_TOP", "ROT_TWO")

    def load_name(self, op: str, name: str) -> _Chain | None:
        if op != "LOAD_GLOBAL" and name in self.bindings:
            return self.start(name, _MISSING, self.bindings[name], "binding")
        if op.startswith(("LOAD_DEREF", "LOAD_CLASSDEREF")) or op == "LOAD_CLOSURE":
            value = self.closure.get(name, _MISSING)
        elif op.startswith("LOAD_FAST"):
            value = _MISSING
        else:
            value = self.fn.__globals__.get(name, _MISSING)
            if value is _MISSING:
                value = self.builtins.get(name, _MISSING)
        if value is _MISSING:
            self.flush()  # a local variable: not followed
            return None
        return self.start(name, value, None, "object")


# --- the dynamic guard --------------------------------------------------------------


class _Places:
    """Where the forbidden modules' code lives, with a cache of verdicts on file and
    module names (the profile hook looks each up once)."""

    def __init__(self, forbidden: tuple[str, ...]) -> None:
        self.forbidden = forbidden
        self.files: dict[str, str] = {}  # a module's file -> its forbidden name
        self.dirs: list[tuple[str, str]] = []  # a package's folder -> its name
        for name in forbidden:
            module = sys.modules.get(name)
            if module is not None:
                origin = getattr(module, "__file__", None)
                paths = getattr(module, "__path__", None)
            else:
                try:
                    spec = importlib.util.find_spec(name)
                except (ImportError, ValueError):
                    spec = None
                if spec is None:
                    continue
                origin, paths = spec.origin, spec.submodule_search_locations
            if paths:
                self.dirs += [
                    (os.path.join(os.path.realpath(p), ""), name) for p in paths
                ]
            elif origin:
                self.files[os.path.realpath(origin)] = name
        self.by_file: dict[str, str | None] = {}
        self.by_module: dict[str, str | None] = {}

    def file_verdict(self, filename: str) -> str | None:
        """The forbidden module whose code lives in ``filename``, else None."""
        if not os.path.isabs(filename):  # <string>, a notebook cell
            return None
        real = os.path.realpath(filename)
        if real in self.files:
            return self.files[real]
        return next((n for d, n in self.dirs if real.startswith(d)), None)


@functools.lru_cache(maxsize=32)
def _places(forbidden: tuple[str, ...]) -> _Places:
    return _Places(forbidden)


class _Refused(AssertionError):
    """Raised by the guard when the answer calls into a forbidden module."""


@contextmanager
def forbidden_modules_out_of_reach(
    forbidden: tuple[str, ...], name: str = "the answer"
):
    """Inside the block the ``forbidden`` modules are out of reach: an import of one
    fails (they are hidden from ``sys.modules``), and a call into their code (a Python
    function whose file belongs to one, or a builtin of one, such as ``torch.tanh``)
    raises an AssertionError that names it.

    The block yields the list of the calls refused, so that an answer that catches the
    error is refused all the same. ``sys.modules`` and the profile hooks (this thread's
    and :func:`threading.setprofile`'s) are restored on exit, also when the block
    raises or times out.
    """
    places = _places(tuple(forbidden))
    by_file, by_module = places.by_file, places.by_module
    refused: list[str] = []

    def refuse(what: str):
        refused.append(what)
        raise _Refused(f"{name} must use NumPy only, but it {what}")

    def hook(frame, event, arg):
        if event == "call":
            code = frame.f_code
            try:
                module = by_file[code.co_filename]
            except KeyError:
                module = by_file[code.co_filename] = places.file_verdict(
                    code.co_filename
                )
            if module:
                where = frame.f_globals.get("__name__") or module
                if code.co_name == "<module>":
                    refuse(f"imports {where}")
                refuse(f"calls {where}.{getattr(code, 'co_qualname', code.co_name)}")
        elif event == "c_call":
            module = getattr(arg, "__module__", None)
            owner = None
            if not isinstance(module, str):  # a method: its object's class
                owner = type(getattr(arg, "__self__", None))
                module = owner.__module__
            try:
                bad = by_module[module]
            except KeyError:
                bad = by_module[module] = _is_forbidden_name(module, places.forbidden)
            if bad:
                where = f"{module}.{owner.__qualname__}" if owner else module
                refuse(f"calls {where}.{getattr(arg, '__name__', '?')}")

    hidden = {
        key: module
        for key, module in sys.modules.items()
        if _is_forbidden_name(key, places.forbidden)
    }
    previous = sys.getprofile()
    previous_threads = threading.getprofile()
    try:
        for key in (*hidden, *places.forbidden):
            sys.modules[key] = None  # an import of a None entry raises ImportError
        threading.setprofile(hook)
        sys.setprofile(hook)
        yield refused
        if sys.getprofile() is not hook and not refused:
            refused.append("turns the guard off (sys.setprofile)")
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_threads)
        for key in list(sys.modules):  # the entries added above, or by the answer
            if _is_forbidden_name(key, places.forbidden) and key not in hidden:
                del sys.modules[key]
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
    chapter's), and calls it with them out of reach (:func:`forbidden_modules_out_of_
    reach`), so that an ``import torch`` inside it, or a call into the chapter's code
    however it was reached, fails too.
    """
    name = name or getattr(fn, "__name__", "the answer")
    forbidden = tuple(forbidden)
    if callable(fn):
        uses = forbidden_uses(fn, forbidden)
        if uses:
            raise AssertionError(
                f"{name} must use NumPy only, but it uses {', '.join(uses)}: "
                "write the computation with NumPy"
            )
    refused: list[str] = []
    try:
        with forbidden_modules_out_of_reach(forbidden, name) as refused:
            result = answer_of(fn, *args, name=name, seconds=seconds)
    except AssertionError as e:
        if refused:
            raise _refusal(name, refused) from e
        text = str(e)
        if "ImportError" in text or "ModuleNotFoundError" in text:
            for module in forbidden:
                if f"'{module}" in text or f" {module}" in text:
                    raise AssertionError(
                        f"{name} must use NumPy only, but it imports {module}"
                    ) from e
        raise
    if refused:
        raise _refusal(name, refused)
    return result


def _refusal(name: str, refused: list[str]) -> AssertionError:
    return AssertionError(
        f"{name} must use NumPy only, but it {refused[0]}: "
        "write the computation with NumPy"
    )


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
