"""Batch and layer normalization in NumPy, with their backward passes (chapters 3, 5).

:class:`BatchNorm` normalizes each channel over the batch, and over the positions for
images: ``x`` is ``(N, C)`` or ``(N, C, H, W)``, as for PyTorch's ``BatchNorm1d`` and
``BatchNorm2d``. In training mode it uses the statistics of the current batch and
updates running averages of them; in evaluation mode it uses those averages, so that a
prediction does not depend on the rest of its batch (3.14), (3.15).

:class:`LayerNorm` normalizes each vector over its own features, the last axis, as
``nn.LayerNorm`` (5.13), (5.14). Both backward passes are one formula,
:func:`normalization_backward`, over different axes.
"""

from __future__ import annotations

import numpy as np

from dlbook.scratch.layers import Layer

__all__ = [
    "BatchNorm",
    "LayerNorm",
    "layer_norm_backward",
    "layer_norm_forward",
    "normalization_backward",
]


def normalization_backward(
    grad_x_hat: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray, axes
) -> np.ndarray:
    """dL/dx of ``x_hat = (x - mean) / sqrt(var + eps)``, the mean and variance taken
    over ``axes``, from dL/dx_hat (3.15), (5.14).

    The mean and the variance depend on every input too, which subtracts the mean of
    the gradient and its projection on ``x_hat``:
    ``inv_std * (g - mean(g) - x_hat * mean(g * x_hat))``.
    """
    g = grad_x_hat
    mean_g = g.mean(axis=axes, keepdims=True)
    mean_g_x_hat = (g * x_hat).mean(axis=axes, keepdims=True)
    return inv_std * (g - mean_g - x_hat * mean_g_x_hat)


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
        self.inv_std = (1 / np.sqrt(var + self.eps)).astype(x.dtype).reshape(channel)
        self.x_hat = (x - mean.reshape(channel)) * self.inv_std
        self.axes, self.channel = axes, channel
        gamma, beta = self.own_params["gamma"], self.own_params["beta"]
        return gamma.reshape(channel) * self.x_hat + beta.reshape(channel)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        axes, x_hat = self.axes, self.x_hat
        # dL/dbeta and dL/dgamma: sums over the batch (and the positions)
        self.own_grads["beta"][...] = grad.sum(axis=axes)
        self.own_grads["gamma"][...] = (grad * x_hat).sum(axis=axes)
        grad_x_hat = grad * self.own_params["gamma"].reshape(self.channel)
        if not self.training:  # the running statistics are constants
            return grad_x_hat * self.inv_std
        # in training the batch mean and variance depend on every input too
        return normalization_backward(grad_x_hat, x_hat, self.inv_std, axes)  # (3.15)


def layer_norm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    """LayerNorm over the last axis (5.13): standardize each vector, scale and shift."""
    mean = x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layer_norm_backward(
    grad_out: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dL/dx, dL/dgamma, dL/dbeta of :func:`layer_norm_forward` (5.14)."""
    x_hat, inv_std, gamma = cache
    batch_axes = tuple(range(grad_out.ndim - 1))
    grad_gamma = np.sum(grad_out * x_hat, axis=batch_axes)
    grad_beta = np.sum(grad_out, axis=batch_axes)
    # (5.14): the backward pass of batch normalization (3.15), over the features
    grad_x = normalization_backward(grad_out * gamma, x_hat, inv_std, axes=-1)
    return grad_x, grad_gamma, grad_beta


class LayerNorm(Layer):
    """LayerNorm over the last axis, learned scale ``gamma``, shift ``beta`` (5.13)."""

    def __init__(self, d_model: int, eps: float = 1e-5, dtype=np.float32):
        super().__init__()
        self.eps = eps
        self.set_params(
            gamma=np.ones(d_model, dtype=dtype), beta=np.zeros(d_model, dtype=dtype)
        )

    def forward(self, x: np.ndarray) -> np.ndarray:
        p = self.own_params
        out, self.cache = layer_norm_forward(x, p["gamma"], p["beta"], self.eps)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad_x, grad_gamma, grad_beta = layer_norm_backward(grad, self.cache)
        self.own_grads["gamma"][...] = grad_gamma
        self.own_grads["beta"][...] = grad_beta
        return grad_x
