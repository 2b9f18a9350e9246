"""Reference answers for the graded exercises of chapter 4 (recurrent networks), in
PyTorch (see :mod:`dlbook.grading.reference`): ``torch.nn.RNNCell``, ``torch.nn.RNN``,
``torch.nn.LSTMCell`` and ``torch.nn.Linear`` with copied weights, autograd,
``torch.optim.SGD``, ``softmax``; clipping's is in
:mod:`~dlbook.grading.reference.optim`. ``numpy_only_answer`` is chapter 4's guard.

Weights use the chapter's row convention: ``W_x`` is ``(D, G)``, ``W_h`` is ``(H, G)``
(the transposes of PyTorch's), one bias ``b`` of ``(G,)``.
"""

from __future__ import annotations

import numpy as np

from dlbook.grading.checks import answer_of, check_scalar
from dlbook.grading.numpy_only import numpy_only_checker
from dlbook.grading.reference._torch import tensor64

__all__ = [
    "FORBIDDEN",
    "answer_without_overflow",
    "check_index",
    "check_inputs_kept",
    "fit_sequence",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "numpy_only_answer",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "sequence_loss",
    "temperature_probabilities",
]

# What an answer may not call: torch, the chapter's own code (its clipping is
# dlbook.scratch.optim's), and these references.
FORBIDDEN = (
    "torch",
    "dlbook.scratch.rnn",
    "dlbook.scratch.optim",
    "dlbook.grading.reference.rnn",
    "dlbook.grading.reference.optim",
)


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


def _rnn(W_x, W_h, b):
    """A float64 one-layer ``torch.nn.RNN`` (tanh, batch first) holding the weights."""
    import torch

    D, H = np.shape(W_x)
    module = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(tensor64(W_x).T)
        module.weight_hh_l0.copy_(tensor64(W_h).T)
        module.bias_ih_l0.copy_(tensor64(b))
        module.bias_hh_l0.zero_()
    return module


def rnn_forward(xs, h0, W_x, W_h, b) -> np.ndarray:
    """``torch.nn.RNN`` over whole sequences ``xs`` ``(N, T, D)`` from the state ``h0``
    ``(N, H)``: the state of every step, ``(N, T, H)``."""
    import torch

    with torch.no_grad():
        hs, _ = _rnn(W_x, W_h, b)(tensor64(xs), tensor64(h0)[None])
    return hs.numpy()


def rnn_backward(grad_hs, xs, h0, W_x, W_h, b) -> tuple[np.ndarray, ...]:
    """``(dxs, dh0, dW_x, dW_h, db)`` of ``torch.nn.RNN`` over whole sequences for the
    upstream gradients ``grad_hs`` ``(N, T, H)`` of every state, by autograd."""
    import torch

    module = _rnn(W_x, W_h, b)
    xt, h0t = tensor64(xs, grad=True), tensor64(h0, grad=True)
    hs, _ = module(xt, h0t[None])
    weights = [module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0]
    dxs, dh0, dW_x, dW_h, db = torch.autograd.grad(
        hs, [xt, h0t, *weights], tensor64(grad_hs)
    )
    return tuple(g.numpy() for g in (dxs, dh0, dW_x.T, dW_h.T, db))


def sequence_loss(xs, ys, params) -> float:
    """The mean squared error of ``torch.nn.RNN`` (from a zero state) followed by
    ``torch.nn.Linear`` at every step; ``params`` is ``(W_x, W_h, b, W_y, b_y)``."""
    import torch

    with torch.no_grad():
        return float(_sequence_model(params)(tensor64(xs), tensor64(ys)))


def _sequence_model(params):
    """``(xs, ys) -> loss`` with torch modules holding ``params``; the modules are
    ``.modules``."""
    import torch

    W_x, W_h, b, W_y, b_y = params
    rnn = _rnn(W_x, W_h, b)
    H, K = np.shape(W_y)
    readout = torch.nn.Linear(H, K).double()
    with torch.no_grad():
        readout.weight.copy_(tensor64(W_y).T)
        readout.bias.copy_(tensor64(b_y))

    def loss(xs, ys):
        hs, _ = rnn(xs)
        return torch.nn.functional.mse_loss(readout(hs), ys)

    loss.modules = (rnn, readout)
    return loss


def fit_sequence(xs, ys, params, lr: float, steps: int):
    """``steps`` steps of ``torch.optim.SGD`` (rate ``lr``, full batch) on
    :func:`sequence_loss`: ``(params, losses)``, the trained ``(W_x, W_h, b, W_y,
    b_y)`` and the loss before each step."""
    import torch

    loss_of = _sequence_model(params)
    rnn, readout = loss_of.modules
    rnn.bias_hh_l0.requires_grad_(False)  # one bias, as in the chapter
    trained = [
        rnn.weight_ih_l0,
        rnn.weight_hh_l0,
        rnn.bias_ih_l0,
        *readout.parameters(),
    ]
    optimizer = torch.optim.SGD(trained, lr=lr)
    xt, yt = tensor64(xs), tensor64(ys)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_of(xt, yt)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    W_x, W_h, b, W_y, b_y = (p.detach().numpy().copy() for p in trained)
    return (W_x.T, W_h.T, b, W_y.T, b_y), losses


def lstm_cell_forward(x, h_prev, c_prev, W_x, W_h, b) -> tuple[np.ndarray, np.ndarray]:
    """``torch.nn.LSTMCell`` (gates i, f, g, o): ``(h, c)``, each ``(N, H)``."""
    import torch

    with torch.no_grad():
        h, c = _cell("LSTMCell", W_x, W_h, b)(
            tensor64(x), (tensor64(h_prev), tensor64(c_prev))
        )
    return h.numpy(), c.numpy()


def lstm_cell_backward(
    grad_h, grad_c, x, h_prev, c_prev, W_x, W_h, b
) -> tuple[np.ndarray, ...]:
    """``(dx, dh_prev, dc_prev, dW_x, dW_h, db)`` of ``torch.nn.LSTMCell`` for the
    upstream gradients ``grad_h`` and ``grad_c`` of its outputs ``h`` and ``c``, by
    autograd."""
    import torch

    module = _cell("LSTMCell", W_x, W_h, b)
    inputs = [tensor64(a, grad=True) for a in (x, h_prev, c_prev)]
    h, c = module(inputs[0], (inputs[1], inputs[2]))
    weights = [module.weight_ih, module.weight_hh, module.bias_ih]
    dx, dh, dc, dW_x, dW_h, db = torch.autograd.grad(
        (h, c), [*inputs, *weights], (tensor64(grad_h), tensor64(grad_c))
    )
    return tuple(g.numpy() for g in (dx, dh, dc, dW_x.T, dW_h.T, db))


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


def answer_without_overflow(fn, *args, name: str | None = None):
    """:func:`numpy_only_answer` with floating-point overflow an error.

    For inputs whose pre-activations reach the thousands: ``1 / (1 + np.exp(-a))``
    gives the right 0 there, but only after ``np.exp`` overflowed (a
    ``RuntimeWarning``), which the questions ask to avoid. Under
    ``np.errstate(over="raise")`` such an answer fails, with a hint.
    """
    name = name or getattr(fn, "__name__", "the answer")
    with np.errstate(over="raise"):
        try:
            return numpy_only_answer(fn, *args, name=name)
        except AssertionError as e:
            if "FloatingPointError" not in str(e):
                raise
            raise AssertionError(
                f"{e}. The pre-activations here reach +-1000, where np.exp overflows "
                "(a RuntimeWarning): compute the sigmoid without any overflow, "
                "e.g. as (1 + np.tanh(a / 2)) / 2"
            ) from e


def check_inputs_kept(fn, *args, name: str | None = None) -> None:
    """Fail when ``fn(*args)`` changes one of its array arguments in place (a second
    call, through :func:`dlbook.grading.answer_of` with ``keep_inputs=True``; call it
    after :func:`numpy_only_answer` has vetted ``fn``)."""
    answer_of(fn, *args, name=name, keep_inputs=True)
