"""Reference answers for the graded exercises on normalization: batch normalization's
backward pass (chapter 3) and layer normalization's (chapter 5), in PyTorch (see
:mod:`dlbook.grading.reference`)."""

from __future__ import annotations

import numpy as np

from dlbook.grading.reference._torch import tensor64

__all__ = ["batch_norm_backward", "layer_norm_backward", "random_batch_norm_case"]


def batch_norm_backward(
    x: np.ndarray, gamma: np.ndarray, grad_out: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dL/dx, dL/dgamma, dL/dbeta)`` of batch normalization in training mode (the
    batch's own mean and biased variance, per channel: axis 1 of an ``(N, C)`` or
    ``(N, C, H, W)`` input), for the upstream gradient ``grad_out``, by autograd
    through ``torch.nn.functional.batch_norm``. Beta does not change the gradients."""
    import torch

    x_t, gamma_t = tensor64(x, grad=True), tensor64(gamma, grad=True)
    beta_t = tensor64(np.zeros_like(gamma), grad=True)
    y = torch.nn.functional.batch_norm(
        x_t, None, None, gamma_t, beta_t, training=True, eps=eps
    )
    (y * tensor64(grad_out)).sum().backward()
    return x_t.grad.numpy(), gamma_t.grad.numpy(), beta_t.grad.numpy()


def random_batch_norm_case(rng: np.random.Generator) -> tuple:
    """Random inputs of batch normalization's backward pass for a test:
    ``(x, gamma, grad_out, eps)``, with ``x`` of shape ``(N, C)`` or ``(N, C, H, W)``
    (2-5 images, 1-4 channels, 1-5 by 1-5 positions); each channel has its own mean and
    scale, gamma is any sign, the upstream gradient has a non-zero mean, and eps is
    1e-5, 1e-3 or 0.1."""
    n, c = int(rng.integers(2, 6)), int(rng.integers(1, 5))
    shape = (n, c) if rng.random() < 0.4 else (n, c, *rng.integers(1, 6, size=2))
    channel = (1, c) + (1,) * (len(shape) - 2)
    loc = rng.normal(size=channel) * 3
    scale = rng.uniform(0.2, 3.0, size=channel)
    x = loc + scale * rng.normal(size=shape)
    gamma = rng.normal(size=c) * 2
    grad_out = rng.normal(size=shape) + rng.normal(size=channel)
    eps = float(rng.choice([1e-5, 1e-3, 0.1]))
    return x, gamma, grad_out, eps


def layer_norm_backward(
    x: np.ndarray, gamma: np.ndarray, grad_out: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dL/dx, dL/dgamma, dL/dbeta)`` of ``F.layer_norm`` over the last axis of ``x``
    ``(..., D)`` (5.13) for the upstream gradient ``grad_out``, by autograd."""
    import torch

    x_t, gamma_t = tensor64(x, grad=True), tensor64(gamma, grad=True)
    beta_t = torch.zeros_like(gamma_t, requires_grad=True)
    out = torch.nn.functional.layer_norm(
        x_t, (x_t.shape[-1],), gamma_t, beta_t, eps=eps
    )
    (out * tensor64(grad_out)).sum().backward()
    return x_t.grad.numpy(), gamma_t.grad.numpy(), beta_t.grad.numpy()
