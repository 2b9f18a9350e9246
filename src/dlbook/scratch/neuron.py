"""Chapter 1: one neuron, its activations and losses, and gradient descent, in NumPy.

Equation numbers refer to chapter 1 of the book (``book/01-neurons.ipynb``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "binary_cross_entropy_with_logits",
    "fit_linear_regression_gd",
    "fit_logistic_regression_gd",
    "gradient_descent",
    "linear_regression_closed_form",
    "mse",
    "perceptron_train",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^{-z})  (1.3), computed without overflow for any z, in the
    precision of z (float32 stays float32)."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z))  (1.4)."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z) = (e^z − e^{-z}) / (e^z + e^{-z}) = 2σ(2z) − 1  (1.5)."""
    return np.tanh(z)


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 − tanh²(z)  (1.6)."""
    return 1 - np.tanh(z) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU(z) = max(0, z)  (1.7)."""
    return np.maximum(z, 0)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """ReLU'(z) = 1 if z > 0 else 0  (1.8); at z = 0 we take 0, as PyTorch does."""
    return (np.asarray(z) > 0).astype(np.float64)


def mse(y_hat: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error L = (1/N) Σ (ŷ_i − y_i)²  (1.11)."""
    return float(np.mean((y_hat - y) ** 2))


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """L = −(1/N) Σ [y log σ(z) + (1 − y) log(1 − σ(z))]  (1.14), from the logits z.

    Written as (1/N) Σ [max(z, 0) − z y + log(1 + e^{−|z|})], which equals (1.14) and
    never takes the log of 0 nor overflows.
    """
    z = np.asarray(z, dtype=np.float64)
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def linear_regression_closed_form(
    X: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, float]:
    """Least squares (1.18): solve min ||X w + b − y||² exactly; returns (w, b)."""
    X1 = np.hstack([X, np.ones((len(X), 1))])  # a column of ones carries the bias
    theta, *_ = np.linalg.lstsq(X1, y, rcond=None)
    return theta[:-1], float(theta[-1])


def gradient_descent(
    X: np.ndarray,
    loss_and_grad,
    lr: float,
    steps: int,
    w0: np.ndarray | None = None,
    b0: float = 0.0,
) -> tuple[np.ndarray, float, list[float]]:
    """Full-batch gradient descent (1.17) on the weights and bias of z = X w + b.

    ``loss_and_grad(z)`` returns the loss and dL/dz, shape (N,); the chain rule gives
    dL/dw = X^T dL/dz and dL/db = Σ dL/dz_i. Returns (w, b, losses).
    """
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=np.float64)
    b = float(b0)
    losses = []
    for _ in range(steps):
        loss, grad_z = loss_and_grad(X @ w + b)
        losses.append(loss)
        w -= lr * (X.T @ grad_z)  # (1.17)
        b -= lr * grad_z.sum()
    return w, b, losses


def fit_linear_regression_gd(
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    steps: int,
    w0: np.ndarray | None = None,
    b0: float = 0.0,
) -> tuple[np.ndarray, float, list[float]]:
    """Gradient descent on the MSE of ŷ = X w + b; returns (w, b, losses)."""

    def mse_and_grad(y_hat):
        residual = y_hat - y  # ŷ − y, shape (N,)
        # (1.11), and dL/dŷ = 2 r / N, whose product with X^T is (1.12)
        return float(np.mean(residual**2)), 2 / len(y) * residual

    return gradient_descent(X, mse_and_grad, lr, steps, w0, b0)


def fit_logistic_regression_gd(
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    steps: int,
    w0: np.ndarray | None = None,
    b0: float = 0.0,
) -> tuple[np.ndarray, float, list[float]]:
    """Gradient descent on the cross-entropy of one sigmoid neuron; returns
    (w, b, losses)."""

    def cross_entropy_and_grad(z):
        # (1.16): dL/dz_i = (σ(z_i) − y_i) / N
        return binary_cross_entropy_with_logits(z, y), (sigmoid(z) - y) / len(y)

    return gradient_descent(X, cross_entropy_and_grad, lr, steps, w0, b0)


def perceptron_train(
    X: np.ndarray, y: np.ndarray, epochs: int
) -> tuple[np.ndarray, float, list[int]]:
    """Rosenblatt's rule (1.19) on labels y ∈ {0, 1}; returns
    (w, b, mistakes per epoch)."""
    w, b = np.zeros(X.shape[1]), 0.0
    mistakes = []
    for _ in range(epochs):
        count = 0
        for x_i, y_i in zip(X, y, strict=True):
            y_hat = 1.0 if x_i @ w + b > 0 else 0.0
            if y_hat != y_i:
                w += (y_i - y_hat) * x_i
                b += y_i - y_hat
                count += 1
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes
