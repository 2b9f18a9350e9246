"""Attention and the transformer block in NumPy, with hand-written backward passes.

Shapes follow PyTorch's ``scaled_dot_product_attention``: queries ``(..., n_q, d_k)``,
keys ``(..., n_k, d_k)``, values ``(..., n_k, d_v)``, any leading batch and head axes.
A mask is boolean and broadcasts to ``(..., n_q, n_k)``: ``True`` where a query may look
at a key (the convention of ``torch.nn.functional.scaled_dot_product_attention``); every
query must see at least one key. Sequences of vectors are ``(N, T, D)`` arrays.
Equation numbers refer to chapter 5. The softmax lives in :mod:`dlbook.scratch.layers`
and LayerNorm in :mod:`dlbook.scratch.normalization`, beside batch normalization; both
can be imported from here too.
"""

from __future__ import annotations

import math

import numpy as np

from dlbook.scratch.layers import Layer, Linear, ReLU, Sequential, softmax
from dlbook.scratch.normalization import (
    LayerNorm,
    layer_norm_backward,
    layer_norm_forward,
)

__all__ = [
    "LayerNorm",
    "MultiHeadAttention",
    "TransformerBlock",
    "attention_backward",
    "attention_forward",
    "causal_mask",
    "layer_norm_backward",
    "layer_norm_forward",
    "merge_heads",
    "padding_mask",
    "sinusoidal_positions",
    "softmax",
    "softmax_backward",
    "split_heads",
]


def softmax_backward(probs: np.ndarray, grad: np.ndarray, axis: int = -1) -> np.ndarray:
    """dL/dz from dL/dp for ``p = softmax(z)``: ``p * (g - sum_j g_j p_j)`` (5.8)."""
    return probs * (grad - np.sum(grad * probs, axis=axis, keepdims=True))


def causal_mask(n: int) -> np.ndarray:
    """``(n, n)`` booleans, ``True`` on and below the diagonal: query ``i`` sees keys
    ``j <= i``."""
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(lengths, n: int) -> np.ndarray:
    """``(N, 1, 1, n)`` booleans, ``True`` for the real (non-padding) keys of each row.

    Broadcasts over the heads and the queries of ``(N, h, n, n)`` attention logits.
    """
    lengths = np.asarray(lengths)
    return (np.arange(n) < lengths[:, None])[:, None, None, :]


def attention_forward(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, tuple]:
    """Scaled dot-product attention ``softmax(q k^T / sqrt(d_k)) v`` (5.4) and a cache.

    Returns the output ``(..., n_q, d_v)`` and what :func:`attention_backward` needs.
    """
    # a Python float: NumPy keeps the inputs' precision (an np.float64 would promote
    # float32 scores to float64)
    scale = 1.0 / math.sqrt(q.shape[-1])
    scores = (q @ np.swapaxes(k, -1, -2)) * scale  # (5.3): (..., n_q, n_k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)  # (5.6): masked keys get weight 0
    weights = softmax(scores)  # (5.2), each row sums to 1
    return weights @ v, (q, k, v, weights, scale)  # (5.4)


def attention_backward(
    grad_out: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dL/dq, dL/dk, dL/dv of :func:`attention_forward` from dL/d(out), (5.7)-(5.10)."""
    q, k, v, weights, scale = cache
    grad_v = np.swapaxes(weights, -1, -2) @ grad_out  # (5.7): A^T dO
    grad_weights = grad_out @ np.swapaxes(v, -1, -2)  # (5.7): dO V^T
    grad_scores = softmax_backward(weights, grad_weights)  # (5.8); 0 where masked
    grad_q = grad_scores @ k * scale  # (5.9)
    grad_k = np.swapaxes(grad_scores, -1, -2) @ q * scale  # (5.10)
    return grad_q, grad_k, grad_v


def split_heads(x: np.ndarray, n_heads: int) -> np.ndarray:
    """``(N, T, D)`` to ``(N, h, T, D / h)``: head ``i`` gets features ``i d_h`` to
    ``(i + 1) d_h - 1`` (5.11)."""
    n, t, d = x.shape
    if d % n_heads:
        raise ValueError(f"the model width {d} is not a multiple of {n_heads} heads")
    return x.reshape(n, t, n_heads, d // n_heads).transpose(0, 2, 1, 3)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """``(N, h, T, d_h)`` to ``(N, T, h d_h)``: the inverse of :func:`split_heads`."""
    n, h, t, d_head = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, t, h * d_head)


def sinusoidal_positions(n_positions: int, d_model: int) -> np.ndarray:
    """The ``(n_positions, d_model)`` sinusoidal encodings of Vaswani et al. (5.12).

    ``PE[p, 2i] = sin(p / 10000^(2i/d))`` and ``PE[p, 2i+1] = cos(p / 10000^(2i/d))``.
    """
    positions = np.arange(n_positions)[:, None]
    frequencies = 10000.0 ** (-np.arange(0, d_model, 2) / d_model)  # (ceil(d/2),)
    angles = positions * frequencies  # (n_positions, ceil(d/2))
    encoding = np.zeros((n_positions, d_model))
    encoding[:, 0::2] = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return encoding


class MultiHeadAttention(Layer):
    """Multi-head self-attention on ``(N, T, D)`` (5.11): project, split, attend, merge,
    project.

    ``causal=True`` lets position ``t`` attend to positions ``<= t`` only (a decoder);
    ``forward(x, mask)`` also takes a boolean key mask that broadcasts to
    ``(N, h, T, T)``, such as :func:`padding_mask`.
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        rng: np.random.Generator,
        causal: bool = False,
        dtype=np.float32,
    ):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} is not a multiple of {n_heads} heads")
        self.n_heads, self.causal = n_heads, causal
        self.query, self.key, self.value, self.out = (
            Linear(d_model, d_model, rng, init="xavier", dtype=dtype) for _ in range(4)
        )

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        h = self.n_heads
        q = split_heads(self.query.forward(x), h)  # (N, h, T, d_h)
        k = split_heads(self.key.forward(x), h)
        v = split_heads(self.value.forward(x), h)
        if self.causal:
            causal = causal_mask(x.shape[1])
            mask = causal if mask is None else mask & causal
        heads, self.cache = attention_forward(q, k, v, mask)  # (5.4), every head
        return self.out.forward(merge_heads(heads))  # (5.11)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad_heads = split_heads(self.out.backward(grad), self.n_heads)
        grad_q, grad_k, grad_v = attention_backward(grad_heads, self.cache)
        # x feeds all three projections: the gradients add
        return (
            self.query.backward(merge_heads(grad_q))
            + self.key.backward(merge_heads(grad_k))
            + self.value.backward(merge_heads(grad_v))
        )


class TransformerBlock(Layer):
    """A pre-LayerNorm transformer block (5.15): ``x + MHA(LN(x))``, then
    ``x + MLP(LN(x))``.

    The MLP is ``Linear(D, 4D)``, ReLU, ``Linear(4D, D)``, applied to every position
    (a :class:`~dlbook.scratch.layers.Linear` maps every vector of ``(N, T, D)``).
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        rng: np.random.Generator,
        causal: bool = False,
        dtype=np.float32,
    ):
        super().__init__()
        self.norm1 = LayerNorm(d_model, dtype=dtype)
        self.attention = MultiHeadAttention(d_model, n_heads, rng, causal, dtype)
        self.norm2 = LayerNorm(d_model, dtype=dtype)
        self.mlp = Sequential(
            Linear(d_model, 4 * d_model, rng, dtype=dtype),
            ReLU(),
            Linear(4 * d_model, d_model, rng, init="xavier", dtype=dtype),
        )

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        x = x + self.attention.forward(self.norm1.forward(x), mask)  # (5.15)
        return x + self.mlp.forward(self.norm2.forward(x))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        # each residual passes the gradient straight through and adds its branch's
        grad = grad + self.norm2.backward(self.mlp.backward(grad))
        return grad + self.norm1.backward(self.attention.backward(grad))
