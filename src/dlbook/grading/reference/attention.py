"""Reference answers for the graded exercises of chapter 5 (attention), in PyTorch.

Each reference is the computation written with torch (float64), so the exercise checks
never hold the NumPy solution. The answers must be NumPy only: :data:`FORBIDDEN`
lists what they may not use (see :func:`dlbook.grading.numpy_only_answer`).
"""

from __future__ import annotations

import numpy as np

from dlbook.grading.numpy_only import numpy_only_checker
from dlbook.grading.reference._torch import tensor64

__all__ = [
    "FORBIDDEN",
    "causal_attention",
    "merge_heads",
    "numpy_only_answer",
    "sinusoidal_positions",
    "softmax",
    "split_heads",
]

# What an answer may not call: torch, the chapter's own code, and these references.
FORBIDDEN = (
    "torch",
    "dlbook.scratch.attention",
    "dlbook.grading.reference.attention",
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


numpy_only_answer = numpy_only_checker(FORBIDDEN)
