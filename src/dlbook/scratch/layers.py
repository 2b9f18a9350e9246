"""Neural-network layers in NumPy, each with a hand-written backward pass (chapter 2).

Every layer has the same small interface:

* ``forward(x)`` returns the output and caches what the backward pass needs;
* ``backward(grad)`` takes dL/d(output) and returns dL/d(input); a layer with parameters
  also writes dL/d(parameter) into ``grads`` (in place: the arrays never change
  identity, so an optimizer can hold on to them);
* ``params`` and ``grads`` are dicts of arrays with the same keys (empty without
  parameters);
* ``train()`` / ``eval()`` switch the mode (only :class:`Dropout` behaves differently).

Batches are rows: ``x`` has shape ``(N, features)``, and a linear layer computes
``x @ W + b`` with ``W`` of shape ``(in_features, out_features)`` (PyTorch stores the
transpose). Training runs in float32; pass ``dtype=np.float64`` for gradient checks.
Equation numbers refer to chapter 2.
"""

from __future__ import annotations

import numpy as np

from dlbook.scratch.neuron import sigmoid

__all__ = [
    "Dropout",
    "Layer",
    "Linear",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "accuracy",
    "init_weight",
    "log_softmax",
    "softmax",
    "softmax_cross_entropy",
]


class Layer:
    """Base class: the parameters, the child layers and the mode,
    written once for every layer.

    A layer keeps its own parameters in ``own_params`` (and their gradients in
    ``own_grads``, same keys), set with :meth:`set_params`. Any attribute that is a
    :class:`Layer`, or a list of them, is a child: :attr:`params`, :attr:`grads`,
    :meth:`train` and :meth:`eval` reach every layer below this one, however deeply
    nested, and each parameter array is collected once.
    """

    def __init__(self) -> None:
        self.own_params: dict[str, np.ndarray] = {}
        self.own_grads: dict[str, np.ndarray] = {}
        self.training = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def set_params(self, **params: np.ndarray) -> None:
        """Own these parameter arrays, each with a zero gradient array of its shape."""
        self.own_params = dict(params)
        self.own_grads = {k: np.zeros_like(v) for k, v in params.items()}

    def children(self) -> dict[str, Layer]:
        """The layers held in attributes, by name
        (``"blocks.0"`` for a list's items)."""
        found = {}
        for name, value in vars(self).items():
            if isinstance(value, Layer):
                found[name] = value
            elif isinstance(value, (list, tuple)):
                items = enumerate(value)
                found.update(
                    {f"{name}.{i}": v for i, v in items if isinstance(v, Layer)}
                )
        return found

    def named_params(self, prefix: str = "", seen: set | None = None):
        """``(name, parameter, gradient)`` for this layer's
        and every child's parameters, once each."""
        seen = set() if seen is None else seen
        for name, param in self.own_params.items():
            if id(param) not in seen:
                seen.add(id(param))
                yield prefix + name, param, self.own_grads[name]
        for name, child in self.children().items():
            yield from child.named_params(f"{prefix}{name}.", seen)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every parameter below this layer, by dotted name
        (what an optimizer updates)."""
        return {name: param for name, param, _ in self.named_params()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """The gradient arrays of :attr:`params`, same keys;
        backward passes fill them in place."""
        return {name: grad for name, _, grad in self.named_params()}

    def train(self, mode: bool = True) -> Layer:
        """Training mode (``mode=False``: evaluation
        mode) for this layer and all below it."""
        self.training = mode
        for child in self.children().values():
            child.train(mode)
        return self

    def eval(self) -> Layer:
        return self.train(False)


def init_weight(
    fan_in: int,
    fan_out: int,
    rng: np.random.Generator,
    init: str = "he",
    dtype=np.float32,
    shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    """A ``(fan_in, fan_out)`` weight matrix drawn from a zero-mean normal distribution.

    ``"he"``: variance 2 / fan_in (for ReLU); ``"xavier"``: variance 2 / (fan_in +
    fan_out) (Glorot, for tanh and sigmoid); ``"normal"``: variance 1, the naive choice
    that fails. ``shape`` replaces ``(fan_in, fan_out)``, such as a convolution's
    ``(C_out, C_in, k_h, k_w)`` (fan-in ``C_in k_h k_w``).
    """
    variances = {"he": 2.0 / fan_in, "xavier": 2.0 / (fan_in + fan_out), "normal": 1.0}
    if init not in variances:
        raise ValueError(f"init must be one of {sorted(variances)}, not {init!r}")
    std = np.sqrt(variances[init])
    shape = (fan_in, fan_out) if shape is None else shape
    return (rng.standard_normal(shape) * std).astype(dtype)


class Linear(Layer):
    """``y = x @ W + b``: an affine map from ``in_features`` to ``out_features``.

    ``x`` is ``(N, in_features)``, or ``(..., in_features)``: every vector of a batch of
    sequences, ``(N, T, in_features)``, is mapped alike. ``input_grad=False`` skips
    dL/dx in ``backward`` (returns ``None``): the first layer of a network needs no
    gradient for its input images, and PyTorch skips it too.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        rng: np.random.Generator,
        init: str = "he",
        dtype=np.float32,
        input_grad: bool = True,
    ):
        super().__init__()
        weight = init_weight(in_features, out_features, rng, init, dtype)
        self.set_params(W=weight, b=np.zeros(out_features, dtype=dtype))
        self.input_grad = input_grad

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x  # (N, in), or (..., in)
        return x @ self.own_params["W"] + self.own_params["b"]  # (2.1): (..., out)

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        x = self.x.reshape(-1, self.x.shape[-1])  # the inputs as rows: (M, in)
        grad_rows = grad.reshape(-1, grad.shape[-1])  # (M, out)
        np.matmul(x.T, grad_rows, out=self.own_grads["W"])  # (2.8): dL/dW = x^T dL/dy
        # (2.9): dL/db = sum over the batch
        np.sum(grad_rows, axis=0, out=self.own_grads["b"])
        if not self.input_grad:
            return None
        return grad @ self.own_params["W"].T  # (2.10): dL/dx = dL/dy W^T


class ReLU(Layer):
    """``max(x, 0)``, element-wise."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.positive = x > 0
        return np.maximum(x, 0)  # (2.2)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.positive  # (2.11), (2.12): relu'(z) = 1 where z > 0, else 0


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))``, element-wise,
    computed without overflow for large ``|x|``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = sigmoid(x)  # (2.2), with chapter 1's stable sigmoid (1.3)
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        # (2.11), (2.13): sigmoid' = s (1 - s), at the output s
        return grad * self.out * (1 - self.out)


class Tanh(Layer):
    """``tanh(x)``, element-wise."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.tanh(x)  # (2.2)
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * (1 - self.out**2)  # (2.11), (2.14): tanh' = 1 - tanh^2


class Dropout(Layer):
    """Inverted dropout: in training, zero each entry with probability ``p`` and scale
    the rest by ``1 / (1 - p)``, so that the expected output equals the input; in eval
    mode, identity."""

    def __init__(self, p: float, rng: np.random.Generator):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"the drop probability p must be in [0, 1), got {p}")
        self.p, self.rng = p, rng

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        self.mask = (keep / (1 - self.p)).astype(x.dtype)  # (2.16)
        return x * self.mask

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad if self.mask is None else grad * self.mask  # (2.17)


class Sequential(Layer):
    """Layers applied in order; their parameters are named ``"<index>.<name>"``
    (as in PyTorch)."""

    def __init__(self, *layers: Layer):
        super().__init__()
        self.layers = list(layers)

    def children(self) -> dict[str, Layer]:
        return {str(i): layer for i, layer in enumerate(self.layers)}

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """``exp(z_i) / sum_j exp(z_j)`` along ``axis`` (2.3), stable for any logits (5.2).

    Subtracting the maximum changes nothing mathematically and keeps every ``exp`` in
    (0, 1], so logits of 1e4 give probabilities, not ``inf / inf = nan``. Masked logits
    (``-inf``) get probability 0.
    """
    shifted = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``log softmax`` along the last axis, stable for any finite logits
    (log-sum-exp trick)."""
    # (2.15): the largest becomes 0
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(
    logits: np.ndarray, labels: np.ndarray
) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``softmax(logits)`` against integer ``labels``,
    and its gradient.

    ``logits``: ``(N, K)``; ``labels``: ``(N,)`` integers in ``[0, K)``. Returns
    ``(loss, dL/dlogits)`` with the gradient ``(softmax(logits) - onehot(labels)) / N``.
    """
    n = len(labels)
    log_probs = log_softmax(logits)
    loss = -log_probs[np.arange(n), labels].mean()  # (2.4) with (2.15)
    grad = np.exp(log_probs)
    grad[np.arange(n), labels] -= 1
    return float(loss), grad / n  # (2.7)


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose largest logit is at the true label."""
    return float(np.mean(np.argmax(logits, axis=-1) == labels))
