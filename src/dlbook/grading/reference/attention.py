"""Reference answers for the graded exercises of chapter 5 (attention), in PyTorch
(see :mod:`dlbook.grading.reference`), and the chapter's NumPy-only guard. Layer
normalization is in :mod:`~dlbook.grading.reference.normalization`."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlbook.grading.checks import answer_of
from dlbook.grading.numpy_only import numpy_only_checker
from dlbook.grading.reference._torch import tensor64

__all__ = [
    "FORBIDDEN",
    "attention_backward",
    "causal_attention",
    "merge_heads",
    "multi_head_self_attention",
    "numpy_only_answer",
    "sinusoidal_positions",
    "softmax",
    "split_heads",
]

# What an answer may not use: torch; the course's from-scratch code (the chapter's
# dlbook.scratch.attention, and the softmax, log_softmax and layers elsewhere in
# dlbook.scratch), its finite differences and these references; and the libraries
# that ship a ready-made softmax or attention (Colab has them all).
FORBIDDEN = (
    "torch",
    "dlbook.scratch",
    "dlbook.gradcheck",
    "dlbook.grading.reference",
    "scipy",
    "jax",
    "tensorflow",
    "keras",
)


def softmax(logits: np.ndarray) -> np.ndarray:
    """``torch.softmax`` along the last axis, in float64."""
    import torch

    return torch.softmax(tensor64(logits), dim=-1).numpy()


def causal_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``scaled_dot_product_attention(q, k, v, is_causal=True)``: query ``i`` sees the
    keys ``j <= i``.

    ``q`` and ``k`` are ``(..., T, d_k)``, ``v`` is ``(..., T, d_v)``.
    """
    import torch

    return torch.nn.functional.scaled_dot_product_attention(
        tensor64(q), tensor64(k), tensor64(v), is_causal=True
    ).numpy()


def attention_backward(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    grad_out: np.ndarray,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dL/dq, dL/dk, dL/dv)`` of ``scaled_dot_product_attention(q, k, v, mask)``
    for the upstream gradient ``grad_out``, by autograd.

    ``q`` is ``(..., T_q, d_k)``, ``k`` ``(..., T_k, d_k)``, ``v`` ``(..., T_k, d_v)``;
    ``mask`` is None or booleans that broadcast to ``(..., T_q, T_k)``, True where a
    query may attend to a key (every query must see one key at least).
    """
    import torch

    q_t, k_t, v_t = (tensor64(a, grad=True) for a in (q, k, v))
    attn_mask = None if mask is None else torch.as_tensor(np.asarray(mask, dtype=bool))
    out = torch.nn.functional.scaled_dot_product_attention(
        q_t, k_t, v_t, attn_mask=attn_mask
    )
    (out * tensor64(grad_out)).sum().backward()
    return q_t.grad.numpy(), k_t.grad.numpy(), v_t.grad.numpy()


def split_heads(x: np.ndarray, n_heads: int) -> np.ndarray:
    """``(N, T, D)`` to ``(N, h, T, D / h)``, the layout of ``nn.MultiheadAttention``:
    head ``i`` holds features ``i D/h`` to ``(i + 1) D/h - 1``."""
    xt = tensor64(x)
    n, steps, d = xt.shape
    return xt.view(n, steps, n_heads, d // n_heads).transpose(1, 2).numpy()


def merge_heads(x: np.ndarray) -> np.ndarray:
    """``(N, h, T, d_h)`` to ``(N, T, h d_h)``, the inverse of :func:`split_heads`."""
    xt = tensor64(x)
    n, h, steps, d_head = xt.shape
    return xt.transpose(1, 2).reshape(n, steps, h * d_head).numpy()


def multi_head_self_attention(
    x: np.ndarray,
    W_q: np.ndarray,
    b_q: np.ndarray,
    W_k: np.ndarray,
    b_k: np.ndarray,
    W_v: np.ndarray,
    b_v: np.ndarray,
    W_o: np.ndarray,
    b_o: np.ndarray,
    n_heads: int,
    key_mask: np.ndarray | None = None,
    causal: bool = False,
) -> np.ndarray:
    """Multi-head self-attention (5.11) on ``x`` ``(N, T, D)``, by
    ``nn.MultiheadAttention`` (``batch_first``, no dropout, in training mode so that
    its fused fast path, which may zero padded queries, is not taken).

    The projections are ``x @ W + b`` with ``W`` ``(D, D)`` (``nn.MultiheadAttention``
    holds the transposes); ``key_mask`` ``(N, T)`` is True for the keys to keep
    (``nn.MultiheadAttention``'s ``key_padding_mask`` is its negation); ``causal``
    lets query ``t`` see the keys ``<= t`` only.
    """
    import torch

    n, steps, d = x.shape
    mha = torch.nn.MultiheadAttention(
        d, n_heads, bias=True, batch_first=True, dtype=torch.float64
    )
    mha.train()
    with torch.no_grad():
        mha.in_proj_weight.copy_(tensor64(np.concatenate([W_q.T, W_k.T, W_v.T])))
        mha.in_proj_bias.copy_(tensor64(np.concatenate([b_q, b_k, b_v])))
        mha.out_proj.weight.copy_(tensor64(W_o.T))
        mha.out_proj.bias.copy_(tensor64(b_o))
        padding = None if key_mask is None else ~torch.as_tensor(key_mask, dtype=bool)
        future = torch.ones(steps, steps, dtype=torch.bool).triu(1) if causal else None
        x_t = tensor64(x)
        out, _ = mha(
            x_t,
            x_t,
            x_t,
            key_padding_mask=padding,
            attn_mask=future,
            need_weights=False,
        )
    return out.numpy()


def sinusoidal_positions(n_positions: int, d_model: int) -> np.ndarray:
    """The sinusoidal encodings of Vaswani et al. (2017), ``(n_positions, d_model)``:
    ``PE[p, 2i] = sin(p / 10000^(2i/d))``, ``PE[p, 2i+1] = cos(p / 10000^(2i/d))``."""
    import torch

    position = torch.arange(n_positions, dtype=torch.float64)[:, None]
    exponent = torch.arange(0, d_model, 2, dtype=torch.float64) / d_model
    angle = position * torch.pow(10000.0, -exponent)
    encoding = torch.zeros(n_positions, d_model, dtype=torch.float64)
    encoding[:, 0::2] = torch.sin(angle)
    encoding[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return encoding.numpy()


_numpy_only_answer = numpy_only_checker(FORBIDDEN)


def numpy_only_answer(fn: Any, *args, keep_inputs: bool = False, **kwargs) -> Any:
    """:func:`dlbook.grading.numpy_only_answer` forbidding :data:`FORBIDDEN`.

    With ``keep_inputs=True`` (for the questions that say "leave the inputs
    unchanged") the answer is called once more, on fresh copies, and fails, as with
    :func:`dlbook.grading.answer_of`'s ``keep_inputs``, when it changes an array
    argument in place.
    """
    result = _numpy_only_answer(fn, *args, **kwargs)
    if keep_inputs:
        answer_of(fn, *args, keep_inputs=True, **kwargs)
    return result
