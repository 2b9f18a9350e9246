"""Recurrent layers in NumPy with backpropagation through time (chapter 4).

Sequences are batch-first: ``x`` has shape ``(N, T, D)`` (N sequences of T steps of D
features) and a recurrent layer returns the hidden state of every step, ``(N, T, H)``.
Weights follow the row convention of :mod:`dlbook.scratch.layers`: an input weight
``W_x`` is ``(D, G)`` and a recurrent weight ``W_h`` is ``(H, G)``, where ``G`` stacks
the gates in PyTorch's order (LSTM: input, forget, cell, output; GRU: reset, update,
new), so ``W_x`` is the transpose of ``weight_ih_l0`` and ``W_h`` that of
``weight_hh_l0``. Equation numbers refer to chapter 4.

Every layer's ``forward(x, state=None)`` takes an optional initial state (``h0``, or
``(h0, c0)`` for the LSTM; zeros when omitted) and keeps the last one in
``final_state``; ``backward(grad, grad_state=None)`` takes dL/d(outputs) (and
optionally dL/d(final state)), fills the parameter gradients, returns dL/dx and keeps
dL/dh_t of every step in ``grad_states`` and dL/d(initial state) in
``grad_initial_state``. The layers keep the states of steps 0 to T in ``states``
``(N, T + 1, H)``, the initial state at index 0, so that step ``t`` reads
``states[:, t]`` and writes ``states[:, t + 1]``.

The LSTM layer runs :func:`lstm_forward_fast` and :func:`lstm_backward_fast`, which
compute what :func:`lstm_cell_forward` and :func:`lstm_cell_backward` compute, step
after step, with fewer NumPy calls per step: a step of a small LSTM costs the Python
overhead of each call (about a microsecond), not arithmetic. They take the input
projection ``x W_x + b`` of every step, the weight gradients and dL/dx out of the loop
as one matrix product each, keep the arrays time-major so that a step's slice is
contiguous, activate the four gates with one ``tanh`` (``sigmoid(z) = (1 + tanh(z /
2)) / 2``), and write every result into a preallocated array with ``out=``.
"""

from __future__ import annotations

import numpy as np

from dlbook.scratch.layers import Layer, softmax
from dlbook.scratch.neuron import sigmoid
from dlbook.scratch.optim import clip_grad_norm, global_norm

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Embedding",
    "LastStep",
    "clip_grad_norm",
    "global_norm",
    "lstm_backward_fast",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward_fast",
    "rnn_step_backward",
    "rnn_step_forward",
    "sample_with_temperature",
    "sigmoid",
]


def rnn_step_forward(x, h_prev, W_x, W_h, b):
    """One step of a tanh RNN: ``h = tanh(x W_x + h_prev W_h + b)`` (4.1), ``(N,
    H)``."""
    return np.tanh(x @ W_x + h_prev @ W_h + b)


def rnn_step_backward(grad_h, x, h_prev, h, W_x, W_h):
    """Backward pass of :func:`rnn_step_forward` given dL/dh (4.5)-(4.8).

    Returns ``(dx, dh_prev, dW_x, dW_h, db)``.
    """
    grad_a = grad_h * (1 - h**2)  # (4.5): tanh' = 1 - tanh^2
    return (
        grad_a @ W_x.T,  # (4.7)
        grad_a @ W_h.T,  # (4.6): the message passed back in time
        x.T @ grad_a,  # (4.8), for one step
        h_prev.T @ grad_a,
        grad_a.sum(axis=0),
    )


def lstm_cell_forward(x, h_prev, c_prev, W_x, W_h, b, gates=None):
    """One LSTM step (4.11)-(4.13), gates in PyTorch's order i, f, g, o; returns
    ``(h, c)``.

    ``gates``, an ``(N, 4H)`` array, receives the activated gates ``[i, f, g, o]``
    when it is given: what :func:`lstm_cell_backward` needs.
    """
    H = h_prev.shape[1]
    a = x @ W_x + h_prev @ W_h + b  # (4.11): (N, 4H), before the activations
    gates = np.empty_like(a) if gates is None else gates
    gates[:, : 2 * H] = sigmoid(a[:, : 2 * H])  # i, f
    gates[:, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])  # g
    gates[:, 3 * H :] = sigmoid(a[:, 3 * H :])  # o
    i, f, g, o = np.split(gates, 4, axis=1)
    c = f * c_prev + i * g  # (4.12)
    return o * np.tanh(c), c  # (4.13)


def lstm_cell_backward(grad_h, grad_c, c_prev, gates, c):
    """Backward pass of one LSTM step through its gate activations (4.14).

    ``gates`` is the ``(N, 4H)`` array of activated gates ``[i, f, g, o]``; returns
    ``(dL/da, dL/dc_prev)`` where ``a`` are the pre-activations of the gates.
    """
    H = c.shape[1]
    i, f, g, o = (gates[:, k * H : (k + 1) * H] for k in range(4))
    tanh_c = np.tanh(c)
    grad_c = grad_c + grad_h * o * (1 - tanh_c**2)  # (4.14): both paths into c_t
    grad_a = np.empty_like(gates)
    grad_a[:, :H] = grad_c * g * i * (1 - i)  # sigmoid' = s (1 - s)
    grad_a[:, H : 2 * H] = grad_c * c_prev * f * (1 - f)
    grad_a[:, 2 * H : 3 * H] = grad_c * i * (1 - g**2)  # tanh' = 1 - tanh^2
    grad_a[:, 3 * H :] = grad_h * tanh_c * o * (1 - o)
    return grad_a, grad_c * f  # (4.14): the cell path back in time is scaled by f


def _gate_scale(hidden, dtype):
    """``[1/2, 1/2, 1, 1/2]``, each ``hidden`` times: with ``u = tanh(scale * a)``,
    the gates are ``scale * u + (1 - scale)``, that is ``sigmoid(a) = (1 + tanh(a / 2))
    / 2`` for i, f, o and ``tanh(a)`` for g."""
    return np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype=dtype), hidden)


def lstm_forward_fast(x, h0, c0, W_x, W_h, b):
    """Every step of an LSTM over ``x`` ``(N, T, D)`` from the state ``(h0, c0)``, the
    same numbers as :func:`lstm_cell_forward` step after step (4.11)-(4.13).

    Returns time-major arrays: the states ``h`` and cells ``c`` ``(T + 1, N, H)`` (the
    initial ones at index 0), the activated gates ``(T, N, 4H)`` and ``tanh(c)``
    ``(T, N, H)``: what :func:`lstm_backward_fast` needs.
    """
    N, T, _ = x.shape
    H = W_h.shape[0]
    scale = _gate_scale(H, x.dtype)
    shift = 1 - scale
    # (4.11) for every step at once, the input part: (T, N, 4H), scaled for the tanh
    gates = np.matmul(x.transpose(1, 0, 2), W_x * scale)
    gates += b * scale
    W_h_scaled = W_h * scale
    h = np.empty((T + 1, N, H), dtype=x.dtype)
    c = np.empty_like(h)
    h[0], c[0] = h0, c0
    tanh_c = np.empty((T, N, H), dtype=x.dtype)
    product = np.empty((N, 4 * H), dtype=x.dtype)
    new = np.empty((N, H), dtype=x.dtype)
    for t in range(T):
        a = gates[t]
        a += np.matmul(h[t], W_h_scaled, out=product)  # (4.11), the recurrent part
        np.tanh(a, out=a)
        a *= scale  # the gates i, f, g, o
        a += shift
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        np.multiply(f, c[t], out=c[t + 1])  # (4.12)
        c[t + 1] += np.multiply(i, g, out=new)
        np.multiply(o, np.tanh(c[t + 1], out=tanh_c[t]), out=h[t + 1])  # (4.13)
    return h, c, gates, tanh_c


def lstm_backward_fast(grad, grad_h, grad_c, x, h, c, gates, tanh_c, W_x, W_h):
    """Backpropagation through time of :func:`lstm_forward_fast` (4.14), the same
    numbers as :func:`lstm_cell_backward` step after step.

    ``grad`` is dL/d(outputs) ``(N, T, H)``, ``(grad_h, grad_c)`` dL/d(final state).
    Returns ``(dL/dx, dW_x, dW_h, db, dL/dh_t for every step (T, N, H), (dL/dh0,
    dL/dc0))``.
    """
    T, N, H = tanh_c.shape
    i, f, g, o = (gates[..., k * H : (k + 1) * H] for k in range(4))
    # what multiplies dL/dc_t (for i, f, g) or dL/dh_t (for o) in each gate's dL/da,
    # every step at once: sigmoid' = s (1 - s), tanh' = 1 - tanh^2 (4.14)
    factors = 1 - gates
    factors *= gates  # s (1 - s), right for i, f, o
    tanh_grad = factors[..., 2 * H : 3 * H]
    np.subtract(1, np.square(g, out=tanh_grad), out=tanh_grad)  # 1 - g^2 for g
    factors[..., :H] *= g
    factors[..., H : 2 * H] *= c[:-1]
    factors[..., 2 * H : 3 * H] *= i
    factors[..., 3 * H :] *= tanh_c
    # dL/dc_t from dL/dh_t: o (1 - tanh^2 c)
    through_tanh = o * (1 - tanh_c**2)
    grad_a = np.empty_like(gates)
    grad_states = np.empty((T, N, H), dtype=grad_a.dtype)
    grad_c = np.array(grad_c, dtype=grad_a.dtype)  # a copy, updated in place
    new = np.empty((N, H), dtype=grad_a.dtype)
    grad_W_h, step_W_h = np.zeros_like(W_h), np.empty_like(W_h)
    for t in reversed(range(T)):
        grad_h = np.add(grad_h, grad[:, t], out=grad_states[t])  # (4.4)
        grad_c += np.multiply(grad_h, through_tanh[t], out=new)  # (4.14)
        ga = grad_a[t].reshape(N, 4, H)
        np.multiply(grad_c[:, None], factors[t].reshape(N, 4, H)[:, :3], out=ga[:, :3])
        np.multiply(grad_h, factors[t, :, 3 * H :], out=ga[:, 3])
        grad_c *= f[t]  # (4.14): the cell path back in time is scaled by f
        # (4.8) for W_h, step by step: small products run on one thread, where one
        # product over all the steps runs on every core, and on a busy machine waits
        # for the core that another process holds (several times the whole pass)
        grad_W_h += np.matmul(h[t].T, grad_a[t], out=step_W_h)
        grad_h = grad_a[t] @ W_h.T  # (4.6)
    # (4.7), (4.8) for W_x and b: summed over time, one product each
    flat = grad_a.reshape(T * N, 4 * H)
    x_flat = x.transpose(1, 0, 2).reshape(T * N, -1)
    grad_W_x = x_flat.T @ flat
    grad_x = (grad_a @ W_x.T).transpose(1, 0, 2)
    return grad_x, grad_W_x, grad_W_h, flat.sum(axis=0), grad_states, (grad_h, grad_c)


def _init(shape, hidden, rng, dtype):
    """PyTorch's initialization of recurrent weights: uniform in +-1/sqrt(H)."""
    bound = 1 / np.sqrt(hidden)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class _Recurrent(Layer):
    """What the three recurrent layers share: weights, the states, dx and dW_x."""

    gates = 1

    def __init__(self, input_size, hidden_size, rng, dtype=np.float32, **extra):
        super().__init__()
        g, h = self.gates * hidden_size, hidden_size
        self.hidden_size = hidden_size
        self.set_params(
            W_x=_init((input_size, g), h, rng, dtype),
            W_h=_init((h, g), h, rng, dtype),
            b=_init((g,), h, rng, dtype),
            **{k: _init(shape, h, rng, dtype) for k, shape in extra.items()},
        )

    def _states(self, x, initial):
        """``(N, T + 1, H)``: the ``initial`` state (zeros when None) at index 0."""
        N, T, _ = x.shape
        states = np.zeros((N, T + 1, self.hidden_size), dtype=x.dtype)
        if initial is not None:
            states[:, 0] = initial
        return states

    def _grad_outputs(self, grad, grad_state):
        """dL/d(outputs) and dL/d(final state), zeros where None."""
        grad = np.zeros_like(self.states[:, 1:]) if grad is None else grad
        if grad_state is None:
            zeros = np.zeros_like(self.states[:, -1])
            final_is_pair = isinstance(self.final_state, tuple)
            grad_state = (zeros, zeros.copy()) if final_is_pair else zeros
        return grad, grad_state

    def _input_backward(self, grad_ax):
        """dW_x, db from dL/d(x W_x + b) of every step, and dL/dx: one matrix product
        each."""
        W_x = self.own_params["W_x"]
        flat = grad_ax.reshape(-1, grad_ax.shape[-1])
        x_flat = self.x.reshape(-1, self.x.shape[-1])
        np.matmul(x_flat.T, flat, out=self.own_grads["W_x"])
        np.sum(flat, axis=0, out=self.own_grads["b"])
        return grad_ax @ W_x.T  # (N, T, D)


class RNN(_Recurrent):
    """Elman RNN with tanh: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)`` (4.1), like
    ``nn.RNN``.

    PyTorch has two biases (``bias_ih + bias_hh``); one is enough, their sum is ``b``.
    """

    def forward(self, x, state=None):
        p = self.own_params
        self.x, self.states = x, self._states(x, state)
        for t in range(x.shape[1]):
            # (4.1): h_t from x_t and h_{t-1}
            self.states[:, t + 1] = rnn_step_forward(
                x[:, t], self.states[:, t], p["W_x"], p["W_h"], p["b"]
            )
        self.final_state = self.states[:, -1]
        return self.states[:, 1:]

    def backward(self, grad, grad_state=None):
        """Backpropagation through time (4.4)-(4.8), one step back at a time."""
        p, g = self.own_params, self.own_grads
        grad, grad_h = self._grad_outputs(grad, grad_state)
        for name in ("W_x", "W_h", "b"):
            g[name][...] = 0
        grad_x = np.empty_like(self.x)
        self.grad_states = np.empty_like(grad)
        for t in reversed(range(self.x.shape[1])):
            grad_h = grad_h + grad[:, t]  # (4.4): from the output and from step t + 1
            self.grad_states[:, t] = grad_h
            h_prev, h = self.states[:, t], self.states[:, t + 1]
            grad_x[:, t], grad_h, grad_W_x, grad_W_h, grad_b = rnn_step_backward(
                grad_h, self.x[:, t], h_prev, h, p["W_x"], p["W_h"]
            )
            g["W_x"] += grad_W_x  # (4.8): summed over time
            g["W_h"] += grad_W_h
            g["b"] += grad_b
        self.grad_initial_state = grad_h
        return grad_x


class LSTM(_Recurrent):
    """LSTM (4.11)-(4.13), gates ``[i, f, g, o]`` as in ``nn.LSTM``; state ``(h, c)``.

    ``forget_bias`` is added to the forget gate's bias at initialization (1.0 is a
    common choice; 0.0 matches PyTorch's initialization).
    """

    gates = 4

    def __init__(self, input_size, hidden_size, rng, dtype=np.float32, forget_bias=0.0):
        super().__init__(input_size, hidden_size, rng, dtype)
        self.own_params["b"][hidden_size : 2 * hidden_size] += forget_bias

    def forward(self, x, state=None):
        """(4.11)-(4.13) at every step, by :func:`lstm_forward_fast`."""
        p = self.own_params
        h0, c0 = (0, 0) if state is None else state
        self.x = x
        h, c, gates, self.tanh_cells = lstm_forward_fast(
            x, h0, c0, p["W_x"], p["W_h"], p["b"]
        )
        # batch-first views of the time-major arrays
        self.states, self.cells = h.transpose(1, 0, 2), c.transpose(1, 0, 2)
        self.gate_values = gates.transpose(1, 0, 2)
        self.final_state = (self.states[:, -1], self.cells[:, -1])
        return self.states[:, 1:]

    def backward(self, grad, grad_state=None):
        """Backpropagation through time for the LSTM (4.14), by
        :func:`lstm_backward_fast`."""
        p, g = self.own_params, self.own_grads
        grad, (grad_h, grad_c) = self._grad_outputs(grad, grad_state)
        grad_x, grad_W_x, grad_W_h, grad_b, grad_states, initial = lstm_backward_fast(
            grad,
            grad_h,
            grad_c,
            self.x,
            self.states.transpose(1, 0, 2),
            self.cells.transpose(1, 0, 2),
            self.gate_values.transpose(1, 0, 2),
            self.tanh_cells,
            p["W_x"],
            p["W_h"],
        )
        g["W_x"][...], g["W_h"][...], g["b"][...] = grad_W_x, grad_W_h, grad_b
        self.grad_states = grad_states.transpose(1, 0, 2)
        self.grad_initial_state = initial
        return grad_x


class GRU(_Recurrent):
    """GRU with gates ``[r, z, n]`` and the update ``h_t = (1 - z) n + z h_{t-1}``
    (4.15)-(4.18).

    ``reset_after=True`` (the default) is PyTorch's ``nn.GRU`` (and cuDNN's): the reset
    gate multiplies ``h_{t-1} W_hn + b_hn`` after the product (4.16).
    ``reset_after=False`` is the form of Cho et al. (2014): it multiplies ``h_{t-1}``
    before the product (4.17). The recurrent bias ``b_h`` is kept apart from ``b``
    because the reset gate scales part of it.
    """

    gates = 3

    def __init__(
        self, input_size, hidden_size, rng, dtype=np.float32, reset_after=True
    ):
        super().__init__(input_size, hidden_size, rng, dtype, b_h=(3 * hidden_size,))
        self.reset_after = reset_after

    def forward(self, x, state=None):
        N, T, _ = x.shape
        H, p = self.hidden_size, self.own_params
        self.x, self.states = x, self._states(x, state)
        ax = x @ p["W_x"] + p["b"]
        self.gate_values = np.empty((N, T, 3 * H), dtype=x.dtype)  # r, z, n
        # the factor of r's product: h W_hn + b_hn (4.16), or the product r h (4.17)
        self.hidden_n = np.empty((N, T, H), dtype=x.dtype)
        for t in range(T):
            h = self.states[:, t]
            ah = h @ p["W_h"][:, : 2 * H] + p["b_h"][: 2 * H]
            rz = sigmoid(ax[:, t, : 2 * H] + ah)  # (4.15)
            r, z = rz[:, :H], rz[:, H:]
            if self.reset_after:
                hn = h @ p["W_h"][:, 2 * H :] + p["b_h"][2 * H :]
                n = np.tanh(ax[:, t, 2 * H :] + r * hn)  # (4.16)
            else:
                hn = r * h
                # (4.17)
                n = np.tanh(
                    ax[:, t, 2 * H :] + hn @ p["W_h"][:, 2 * H :] + p["b_h"][2 * H :]
                )
            self.states[:, t + 1] = (1 - z) * n + z * h  # (4.18)
            self.gate_values[:, t] = np.concatenate([rz, n], axis=1)
            self.hidden_n[:, t] = hn
        self.final_state = self.states[:, -1]
        return self.states[:, 1:]

    def backward(self, grad, grad_state=None):
        grad, grad_h = self._grad_outputs(grad, grad_state)
        H, p, g = self.hidden_size, self.own_params, self.own_grads
        g["W_h"][...] = 0
        g["b_h"][...] = 0
        grad_ax = np.empty_like(self.gate_values)
        self.grad_states = np.empty_like(grad)
        for t in reversed(range(self.x.shape[1])):
            grad_h = grad_h + grad[:, t]  # (4.4)
            self.grad_states[:, t] = grad_h
            h_prev = self.states[:, t]
            r, z, n = np.split(self.gate_values[:, t], 3, axis=1)
            hn = self.hidden_n[:, t]
            grad_an = grad_h * (1 - z) * (1 - n**2)
            grad_az = grad_h * (h_prev - n) * z * (1 - z)
            grad_prev = grad_h * z
            if self.reset_after:
                grad_r = grad_an * hn
                grad_hn = grad_an * r  # dL/d(h W_hn + b_hn)
                g["W_h"][:, 2 * H :] += h_prev.T @ grad_hn
                g["b_h"][2 * H :] += grad_hn.sum(axis=0)
                grad_prev = grad_prev + grad_hn @ p["W_h"][:, 2 * H :].T
            else:
                g["W_h"][:, 2 * H :] += hn.T @ grad_an
                g["b_h"][2 * H :] += grad_an.sum(axis=0)
                grad_rh = grad_an @ p["W_h"][:, 2 * H :].T  # dL/d(r * h)
                grad_r = grad_rh * h_prev
                grad_prev = grad_prev + grad_rh * r
            grad_ar = grad_r * r * (1 - r)
            grad_rz = np.concatenate([grad_ar, grad_az], axis=1)
            g["W_h"][:, : 2 * H] += h_prev.T @ grad_rz
            g["b_h"][: 2 * H] += grad_rz.sum(axis=0)
            grad_h = grad_prev + grad_rz @ p["W_h"][:, : 2 * H].T
            grad_ax[:, t] = np.concatenate([grad_rz, grad_an], axis=1)
        self.grad_initial_state = grad_h
        return self._input_backward(grad_ax)


class LastStep(Layer):
    """The last step of a sequence, ``(N, T, H) -> (N, H)``: a many-to-one model's
    summary."""

    def forward(self, x):
        self.shape = x.shape
        return x[:, -1]

    def backward(self, grad):
        full = np.zeros(self.shape, dtype=grad.dtype)
        full[:, -1] = grad
        return full


class Embedding(Layer):
    """A learned lookup table: row ``ids`` of ``W`` (V, E), the same as ``onehot(ids) @
    W`` (4.21).

    The backward pass adds each output's gradient to the row it came from
    (``np.add.at``, since a token may appear many times); there is no gradient for the
    integer ids.
    """

    def __init__(self, num_embeddings, embedding_dim, rng, dtype=np.float32):
        super().__init__()
        W = rng.standard_normal((num_embeddings, embedding_dim)).astype(dtype)
        self.set_params(W=W)  # N(0, 1), as nn.Embedding

    def forward(self, ids):
        self.ids = ids
        return self.own_params["W"][ids]  # (4.21)

    def backward(self, grad):
        grad_W = self.own_grads["W"]
        grad_W[...] = 0
        np.add.at(grad_W, self.ids.reshape(-1), grad.reshape(-1, grad.shape[-1]))
        return None


def sample_with_temperature(
    logits, temperature: float, rng: np.random.Generator
) -> int:
    """Draw one index from ``softmax(logits / temperature)`` (4.20)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    probs = softmax(np.asarray(logits, dtype=np.float64) / temperature)  # (4.20)
    return int(rng.choice(len(probs), p=probs))
