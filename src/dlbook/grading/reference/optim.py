"""Reference answers for the graded exercises on optimizers: Adam (chapter 2) and
clipping by the global norm (chapter 4), in PyTorch (see
:mod:`dlbook.grading.reference`)."""

from __future__ import annotations

import numpy as np

from dlbook.grading.reference._torch import tensor64

__all__ = ["adam_steps", "clip_by_global_norm"]


def adam_steps(param, grads, lr, beta1, beta2, eps) -> list[tuple[np.ndarray, ...]]:
    """``torch.optim.Adam`` from zero moments:
    ``(param, m, v)`` after each gradient in ``grads``."""
    import torch

    param_t = tensor64(param, grad=True)
    adam = torch.optim.Adam([param_t], lr=lr, betas=(beta1, beta2), eps=eps)
    states = []
    for grad in grads:
        param_t.grad = tensor64(grad)
        adam.step()
        state = adam.state[param_t]
        states.append(
            (
                param_t.detach().numpy().copy(),
                state["exp_avg"].numpy().copy(),
                state["exp_avg_sq"].numpy().copy(),
            )
        )
    return states


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
