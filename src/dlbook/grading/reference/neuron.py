"""Reference answers for the graded exercises of chapter 1 (a neuron and gradient
descent), in PyTorch (see :mod:`dlbook.grading.reference`)."""

from __future__ import annotations

import numpy as np


def gd_step(
    w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, lr: float
) -> tuple[np.ndarray, float]:
    """One gradient-descent step on the MSE of the linear model X w + b
    (exercise 1.3)."""
    import torch

    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    loss = torch.mean(
        (
            torch.tensor(X, dtype=torch.float64) @ w_t
            + b_t
            - torch.tensor(y, dtype=torch.float64)
        )
        ** 2
    )
    loss.backward()
    return (w_t - lr * w_t.grad).detach().numpy(), (b_t - lr * b_t.grad).item()


def fit_logistic(
    X: np.ndarray, y: np.ndarray, lr: float, steps: int
) -> tuple[np.ndarray, float]:
    """Full-batch gradient descent on the mean binary cross-entropy from w = 0, b = 0
    (exercise 1.4)."""
    import torch

    model = torch.nn.Linear(X.shape[1], 1, dtype=torch.float64)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    X_t, y_t = (
        torch.tensor(X, dtype=torch.float64),
        torch.tensor(y, dtype=torch.float64),
    )
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(
            model(X_t).squeeze(1), y_t
        ).backward()
        optimizer.step()
    return model.weight.detach().numpy()[0].copy(), model.bias.item()
