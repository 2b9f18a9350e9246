"""Reference answers for the graded exercises of chapter 4 (recurrent networks), in
PyTorch.

Each reference is the computation written with torch (float64: ``torch.nn.RNNCell``,
``torch.nn.LSTMCell`` with copied weights, autograd, ``clip_grad_norm_``, ``softmax``),
so the exercise checks never hold the NumPy solution. Weights use the chapter's row
convention: ``W_x`` is ``(D, G)``, ``W_h`` is ``(H, G)`` (the transposes of PyTorch's),
one bias ``b`` of ``(G,)``. The chapter's answers must be NumPy only: :data:`FORBIDDEN`
lists what they may not use.
"""

from __future__ import annotations

import numpy as np

from dlbook.grading.checks import check_scalar
from dlbook.grading.numpy_only import numpy_only_checker
from dlbook.grading.reference._torch import tensor64

__all__ = [
    "FORBIDDEN",
    "check_index",
    "clip_by_global_norm",
    "lstm_cell_forward",
    "numpy_only_answer",
    "rnn_step_backward",
    "rnn_step_forward",
    "temperature_probabilities",
]

# What an answer may not call: torch, the chapter's own code, and these references.
FORBIDDEN = ("torch", "dlbook.scratch.rnn", "dlbook.grading.reference.rnn")


def _cell(kind: str, W_x, W_h, b):
    """A float64 ``torch.nn.RNNCell`` or ``LSTMCell`` holding the given weights."""
    import torch

    D, G = np.shape(W_x)
    H = np.shape(W_h)[0]
    module = getattr(torch.nn, kind)(D, H).double()
    with torch.no_grad():
        module.weight_ih.copy_(tensor64(W_x).T)
        module.weight_hh.copy_(tensor64(W_h).T)
        module.bias_ih.copy_(tensor64(b))
        module.bias_hh.zero_()
    assert G == module.weight_ih.shape[0]
    return module


def rnn_step_forward(x, h_prev, W_x, W_h, b) -> np.ndarray:
    """``torch.nn.RNNCell`` (tanh): ``tanh(x W_x + h_prev W_h + b)``, ``(N, H)``."""
    import torch

    with torch.no_grad():
        return _cell("RNNCell", W_x, W_h, b)(tensor64(x), tensor64(h_prev)).numpy()


def rnn_step_backward(grad_h, x, h_prev, W_x, W_h, b) -> tuple[np.ndarray, ...]:
    """``(dx, dh_prev, dW_x, dW_h, db)`` of one tanh RNN step for the upstream
    ``grad_h``, by autograd."""
    import torch

    tensors = [tensor64(a, grad=True) for a in (x, h_prev, W_x, W_h, b)]
    xt, ht, W_xt, W_ht, bt = tensors
    out = torch.tanh(xt @ W_xt + ht @ W_ht + bt)
    grads = torch.autograd.grad(out, tensors, tensor64(grad_h))
    return tuple(g.numpy() for g in grads)


def lstm_cell_forward(x, h_prev, c_prev, W_x, W_h, b) -> tuple[np.ndarray, np.ndarray]:
    """``torch.nn.LSTMCell`` (gates i, f, g, o): ``(h, c)``, each ``(N, H)``."""
    import torch

    with torch.no_grad():
        h, c = _cell("LSTMCell", W_x, W_h, b)(
            tensor64(x), (tensor64(h_prev), tensor64(c_prev))
        )
    return h.numpy(), c.numpy()


def clip_by_global_norm(grads, max_norm: float) -> list[np.ndarray]:
    """The gradients after ``torch.nn.utils.clip_grad_norm_(..., max_norm)`` (new
    arrays)."""
    import torch

    tensors = []
    for g in grads:
        param = torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True)
        param.grad = tensor64(g)
        tensors.append(param)
    torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    return [p.grad.numpy() for p in tensors]


def temperature_probabilities(logits, temperature: float) -> np.ndarray:
    """``softmax(logits / temperature)``: the distribution that sampling draws from."""
    import torch

    return torch.softmax(tensor64(logits) / temperature, dim=-1).numpy()


def check_index(name: str, got, size: int) -> None:
    """Assert that ``got`` is one integer index in ``range(size)``: what a sampler
    returns.

    A blank answer (``None`` or ``...``) gets :func:`check_scalar`'s message; any other
    value that is not an ``int`` is refused with its type, never converted (so an answer
    that returns an array, a string or a float fails with a clear sentence instead of a
    ``TypeError`` from the check itself).
    """
    if got is None or got is Ellipsis:
        check_scalar(name, got, 0)
    if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
        raise AssertionError(
            f"{name} should return an int index, but it returned "
            f"{type(got).__name__} {got!r:.60}"
        )
    if not 0 <= got < size:
        raise AssertionError(f"{name} returned {got}, outside 0..{size - 1}")


numpy_only_answer = numpy_only_checker(FORBIDDEN)
