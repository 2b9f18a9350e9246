"""Reference answers for the graded exercises of chapter 2 on layers (linear, dropout,
softmax cross-entropy) and the MLP they make, in PyTorch (see
:mod:`dlbook.grading.reference`); Adam's is in
:mod:`~dlbook.grading.reference.optim`."""

from __future__ import annotations

import numpy as np

from dlbook.grading.reference._torch import tensor64

__all__ = [
    "dropout",
    "linear_backward",
    "softmax_cross_entropy",
    "train_mlp",
]


def linear_backward(x, W, b, grad_out) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dL/dx, dL/dW, dL/db)`` of ``y = x W + b``
    for the upstream gradient ``grad_out``."""
    x_t, W_t, b_t = (tensor64(a, grad=True) for a in (x, W, b))
    ((x_t @ W_t + b_t) * tensor64(grad_out)).sum().backward()
    return x_t.grad.numpy(), W_t.grad.numpy(), b_t.grad.numpy()


def softmax_cross_entropy(logits, labels) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``softmax(logits)`` against integer ``labels``,
    and dL/dlogits."""
    import torch

    logits_t = tensor64(logits, grad=True)
    loss = torch.nn.functional.cross_entropy(logits_t, torch.as_tensor(labels))
    loss.backward()
    return loss.item(), logits_t.grad.numpy()


def dropout(x, p: float, u, grad_out) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout that keeps the entries where ``u >= p``: ``(output, dL/dx)``."""
    import torch

    x_t = tensor64(x, grad=True)
    out = torch.where(tensor64(u) >= p, x_t / (1 - p), torch.zeros_like(x_t))
    (out * tensor64(grad_out)).sum().backward()
    return out.detach().numpy(), x_t.grad.numpy()


def train_mlp(X, y, W1, b1, W2, b2, lr: float, steps: int) -> tuple[np.ndarray, ...]:
    """Exercise 2.5: full-batch gradient descent on the MSE of a sigmoid-sigmoid MLP.

    Returns ``(W1, b1, W2, b2, losses)``: the parameters after ``steps`` steps and the
    loss before each step.
    """
    import torch

    params = [tensor64(a, grad=True) for a in (W1, b1, W2, b2)]
    sgd, losses = torch.optim.SGD(params, lr=lr), []
    X_t, y_t = tensor64(X), tensor64(y)
    for _ in range(steps):
        sgd.zero_grad()
        hidden = torch.sigmoid(X_t @ params[0] + params[1])
        out = torch.sigmoid(hidden @ params[2] + params[3])
        loss = ((out - y_t) ** 2).mean()
        loss.backward()
        sgd.step()
        losses.append(loss.item())
    return (*(p.detach().numpy() for p in params), np.array(losses))
