"""Batch normalization in NumPy, with its backward pass (chapter 3).

:class:`BatchNorm` normalizes each channel over the batch, and over the positions for
images: ``x`` is ``(N, C)`` or ``(N, C, H, W)``, as for PyTorch's ``BatchNorm1d`` and
``BatchNorm2d``. In training mode it uses the statistics of the current batch and
updates running averages of them; in evaluation mode it uses those averages, so that a
prediction does not depend on the rest of its batch. Equations: chapter 3.
"""

from __future__ import annotations

import numpy as np

from dlbook.scratch.layers import Layer

__all__ = ["BatchNorm"]


class BatchNorm(Layer):
    """``y = gamma * (x - mean) / sqrt(var + eps) + beta``, per channel (3.14).

    ``momentum`` weighs the newest batch in the running averages, as in PyTorch:
    ``running = (1 - momentum) * running + momentum * batch``. The running variance uses
    the unbiased batch variance, the normalization the biased one, both as PyTorch does.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        dtype=np.float32,
    ):
        super().__init__()
        self.set_params(
            gamma=np.ones(num_features, dtype=dtype),
            beta=np.zeros(num_features, dtype=dtype),
        )
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)
        self.eps, self.momentum = eps, momentum

    @staticmethod
    def _axes(x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The axes to average over, and the shape that broadcasts a channel vector."""
        if x.ndim not in (2, 4):
            raise ValueError(f"BatchNorm expects (N, C) or (N, C, H, W), got {x.shape}")
        return ((0,), (1, -1)) if x.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))

    def forward(self, x: np.ndarray) -> np.ndarray:
        axes, channel = self._axes(x)
        if self.training:
            count = x.size // x.shape[1]  # values per channel
            if count < 2:
                raise ValueError(
                    "batch normalization needs more than one value per channel"
                )
            mean, var = x.mean(axis=axes), x.var(axis=axes)  # (3.14): batch statistics
            unbiased = var * count / (count - 1)
            m = self.momentum
            self.running_mean[...] = (1 - m) * self.running_mean + m * mean
            self.running_var[...] = (1 - m) * self.running_var + m * unbiased
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = (1 / np.sqrt(var + self.eps)).astype(x.dtype)
        self.x_hat = (x - mean.reshape(channel)) * self.inv_std.reshape(channel)
        self.axes, self.channel = axes, channel
        gamma, beta = self.own_params["gamma"], self.own_params["beta"]
        return gamma.reshape(channel) * self.x_hat + beta.reshape(channel)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        axes, x_hat = self.axes, self.x_hat
        # dL/dbeta and dL/dgamma: sums over the batch (and the positions)
        self.own_grads["beta"][...] = grad.sum(axis=axes)
        self.own_grads["gamma"][...] = (grad * x_hat).sum(axis=axes)
        scale = (self.own_params["gamma"] * self.inv_std).reshape(self.channel)
        if not self.training:  # the running statistics are constants
            return grad * scale
        # In training the batch mean and variance depend on every input too, which
        # subtracts the mean of the gradient and its projection on x_hat:
        # dL/dx = gamma / sigma * (g - mean(g) - x_hat * mean(g * x_hat))
        mean_grad = grad.mean(axis=axes, keepdims=True)
        mean_grad_x_hat = (grad * x_hat).mean(axis=axes, keepdims=True)
        return scale * (grad - mean_grad - x_hat * mean_grad_x_hat)
