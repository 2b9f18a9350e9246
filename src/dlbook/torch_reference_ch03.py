"""PyTorch reference answers for the graded exercises of chapter 3, and a check that an answer is NumPy only.

Each reference is the computation written with torch (float64), so the exercise checks never hold the
NumPy solution. :func:`numpy_only_answer` calls a learner's function with torch out of reach and says so
clearly when the answer uses torch (or the chapter's own :mod:`dlbook.conv`) instead of NumPy.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "FORBIDDEN_MODULES",
    "conv2d",
    "conv_output_size",
    "forbidden_uses",
    "grad_cam",
    "im2col",
    "max_pool2d_backward",
    "numpy_only_answer",
    "random_conv_case",
    "small_cnn",
]

FORBIDDEN_MODULES = ("torch", "dlbook.conv", "dlbook.torch_reference_ch03")


def _t(a: np.ndarray, grad: bool = False):
    import torch

    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """The output length that ``torch.nn.functional.conv2d`` gives along one axis."""
    import torch

    out = torch.nn.functional.conv2d(torch.zeros(1, 1, size, 1), torch.zeros(1, 1, kernel, 1),
                                     stride=(stride, 1), padding=(padding, 0), dilation=(dilation, 1))  # fmt: skip
    return int(out.shape[2])


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """``torch.nn.functional.conv2d`` in float64, as a NumPy array."""
    import torch

    b = None if bias is None else _t(bias)
    return torch.nn.functional.conv2d(_t(x), _t(weight), b, stride=stride, padding=padding).numpy()


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The columns ``(C kh kw, N H_out W_out)`` of chapter 3, from ``torch.nn.functional.unfold``.

    ``unfold`` gives ``(N, C kh kw, H_out W_out)`` with rows ordered (channel, kernel row, kernel column);
    chapter 3 puts the images side by side: column ``n H_out W_out + i W_out + j``.
    """
    import torch

    cols = torch.nn.functional.unfold(_t(x), (kh, kw), stride=stride, padding=padding)  # (N, C kh kw, L)
    return cols.permute(1, 0, 2).reshape(cols.shape[1], -1).numpy()


def max_pool2d_backward(x: np.ndarray, grad_out: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """dL/dx of ``max_pool2d(x, kernel, stride)`` for the upstream gradient ``grad_out``, by autograd."""
    import torch

    xt = _t(x, grad=True)
    out = torch.nn.functional.max_pool2d(xt, kernel, stride)
    (grad,) = torch.autograd.grad(out, xt, _t(grad_out))
    return grad.numpy()


def random_conv_case(rng: np.random.Generator, max_size: int = 10) -> tuple:
    """Random inputs of a convolution for a test: ``(x, weight, bias, stride, padding)`` with
    1-3 images, 1-3 input and 1-4 output channels, a kernel of 1-4 by 1-4 taps (rectangular too),
    stride 1-3, padding 0-2, and an image of any size up to ``max_size - 1`` that the kernel fits."""
    low, high = [1, 1, 1, 1, 1, 1, 0], [4, 4, 5, 5, 5, 4, 3]
    n, c_in, c_out, kh, kw, stride, padding = (int(v) for v in rng.integers(low, high))
    h = int(rng.integers(max(1, kh - 2 * padding), max_size))
    w = int(rng.integers(max(1, kw - 2 * padding), max_size))
    x, weight, bias = rng.normal(size=(n, c_in, h, w)), rng.normal(size=(c_out, c_in, kh, kw)), rng.normal(size=c_out)
    return x, weight, bias, stride, padding


def small_cnn(seed: int, classes: int = 3):
    """A small untrained float64 CNN for 12 x 12 one-channel images, and its last convolutional block
    (the layer Grad-CAM looks at): conv-ReLU-pool, conv-ReLU, then a linear layer on every position.
    Seeded without touching torch's global generator."""
    import torch
    from torch import nn

    with torch.random.fork_rng():
        torch.manual_seed(seed)
        last_block = nn.ReLU()
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(4, 6, 3, padding=1), last_block, nn.Flatten(),
                              nn.Linear(6 * 6 * 6, classes)).double()  # fmt: skip
    return model, last_block


def grad_cam(model, layer, image: np.ndarray, target: int) -> np.ndarray:
    """Grad-CAM (Selvaraju et al.) of ``model`` at ``layer`` for class ``target``: ``(h, w)``, before upsampling.

    ``image`` is one ``(C, H, W)`` input; the class score is the target's logit.
    """
    import torch

    captured = {}
    handle = layer.register_forward_hook(lambda module, inputs, output: captured.setdefault("A", output))
    try:
        logits = model(_t(image[None]).to(next(model.parameters()).dtype))
    finally:
        handle.remove()
    activations = captured["A"]  # (1, K, h, w)
    (gradients,) = torch.autograd.grad(logits[0, target], activations)
    weights = gradients.mean(dim=(2, 3), keepdim=True)  # one weight per channel
    return torch.relu((weights * activations).sum(dim=1))[0].detach().double().numpy()


# --- NumPy only -----------------------------------------------------------------------------------


def _is_forbidden(value: Any) -> str | None:
    """The forbidden module that ``value`` is or comes from, else None."""
    if isinstance(value, types.ModuleType):
        module = value.__name__
    else:
        module = getattr(value, "__module__", None)
        if not isinstance(module, str):
            module = type(value).__module__
    for forbidden in FORBIDDEN_MODULES:
        if module == forbidden or module.startswith(forbidden + "."):
            return forbidden
    return None


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def forbidden_uses(fn: Callable, _seen: set | None = None) -> list[str]:
    """What ``fn`` (and the notebook functions it calls) takes from torch or the chapter's solution code.

    Looks at the names its code refers to (globals, imports, closures), and follows them into the other
    Python functions it calls (the learner's helpers; NumPy's and dlbook's own functions are trusted).
    """
    seen = set() if _seen is None else _seen
    if id(fn) in seen or not hasattr(fn, "__code__"):
        return []
    seen.add(id(fn))
    names = _names(fn.__code__)
    values = {name: fn.__globals__[name] for name in names if name in fn.__globals__}
    # an import inside the function names the module itself
    found = [f"import {name}" for name in names - set(values) if name == "torch" or name.startswith("torch.")]
    for cell, name in zip(fn.__closure__ or (), fn.__code__.co_freevars):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    for name, value in values.items():
        forbidden = _is_forbidden(value)
        if forbidden:
            found.append(f"{name} (from {forbidden})")
        elif isinstance(value, types.FunctionType) and not (value.__module__ or "").startswith(("numpy", "dlbook")):
            found += [f"{name} -> {use}" for use in forbidden_uses(value, seen)]  # a notebook function it calls
    return sorted(set(found))


@contextmanager
def _torch_hidden():
    """``import torch`` fails inside the block; sys.modules is restored afterwards."""
    hidden = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    try:
        for key in hidden:
            sys.modules[key] = None  # an import of a None entry raises ImportError
        yield
    finally:
        sys.modules.update(hidden)


def numpy_only_answer(fn: Any, *args, name: str | None = None, seconds: float = 10.0) -> Any:
    """:func:`dlbook.grading.answer_of`, for answers that must use NumPy only.

    Fails with a clear message when the function refers to torch or to :mod:`dlbook.conv` (the
    chapter's code), and calls it with torch hidden, so that an ``import torch`` inside it fails too.
    """
    from dlbook.grading import answer_of

    name = name or getattr(fn, "__name__", "the answer")
    if callable(fn):
        uses = forbidden_uses(fn)
        if uses:
            raise AssertionError(f"{name} must use NumPy only, but it uses {', '.join(uses)}: "
                                 "write the computation with NumPy")  # fmt: skip
    with _torch_hidden():
        try:
            return answer_of(fn, *args, name=name, seconds=seconds)
        except AssertionError as e:
            if "torch" in str(e) and ("ImportError" in str(e) or "ModuleNotFoundError" in str(e)):
                raise AssertionError(f"{name} must use NumPy only, but it imports torch") from e
            raise
