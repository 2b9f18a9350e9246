"""Batch and layer normalization in NumPy, with their backward passes (chapters 3, 5).

:class:`BatchNorm` normalizes each channel over the batch, and over the positions for
images: ``x`` is ``(N, C)`` or ``(N, C, H, W)``, as for PyTorch's ``BatchNorm1d`` and
``BatchNorm2d``. In training mode it uses the statistics of the current batch and
updates running averages of them; in evaluation mode it uses those averages, so that a
prediction does not depend on the rest of its batch (3.14), (3.15).

:class:`LayerNorm` normalizes each vector over its own features, the last axis, as
``nn.LayerNorm`` (5.13), (5.14). Both backward passes are one formula,
:func:`normalization_backward`, over different axes.

Where the time goes. Each line of these layers is a pass over the whole activation,
and NumPy's reductions over axes that are not the last one (``x.mean(axis=(0, 2, 3))``)
or ``x.var`` (which makes its own temporaries) cost several passes each. The fast
versions do every reduction as a matrix-vector product with a vector of ones (one
pass, in BLAS), reuse the gradient terms that are already known (the mean of
``gamma * g`` over a channel is ``gamma`` times the mean of ``g``), and write into
buffers with ``out=`` instead of allocating a new array for every intermediate:
:class:`BatchNorm` uses :func:`channel_sum`, and :class:`LayerNorm` uses
:func:`layer_norm_forward_fast` and :func:`layer_norm_backward_fast`, which give the
same numbers as the plain :func:`layer_norm_forward` and :func:`layer_norm_backward`.
:func:`batch_norm_forward_plain` and :func:`batch_norm_backward_plain` are batch
normalization written as (3.14) and (3.15) read, on ``(N, C, H, W)`` as it is: the
chapter times them against the layer.
"""

from __future__ import annotations

import numpy as np

from dlbook.scratch.layers import Layer

__all__ = [
    "BatchNorm",
    "LayerNorm",
    "batch_norm_backward_plain",
    "batch_norm_forward_plain",
    "channel_sum",
    "layer_norm_backward",
    "layer_norm_backward_fast",
    "layer_norm_forward",
    "layer_norm_forward_fast",
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


def channel_sum(x: np.ndarray) -> np.ndarray:
    """The sum of each channel (axis 1) of ``(N, C)``, ``(N, C, H W)`` or ``(N, C, H,
    W)`` values, as ``x.sum(axis=(0, 2, 3))`` but in one pass: a matrix-vector product
    with ones (BLAS) over the positions, then a sum over the batch."""
    if x.ndim == 2:
        return np.ones(len(x), dtype=x.dtype) @ x
    n, c = x.shape[:2]
    rows = x.reshape(n * c, -1)  # one row per (image, channel)
    per_image = rows @ np.ones(rows.shape[1], dtype=x.dtype)
    return per_image.reshape(n, c).sum(axis=0)


def batch_norm_forward_plain(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    """Batch normalization in training mode as (3.14) reads: the mean and variance of
    each channel over every other axis, ``(0,)`` of ``(N, C)`` or ``(0, 2, 3)`` of ``(N,
    C, H, W)``, on ``x`` as it is. The same numbers as :class:`BatchNorm`, slower."""
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    channel = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)  # a per-channel vector's shape
    mean = x.mean(axis=axes, keepdims=True)
    inv_std = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    gamma = gamma.reshape(channel)
    return gamma * x_hat + beta.reshape(channel), (x_hat, inv_std, gamma, axes)


def batch_norm_backward_plain(
    grad: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dL/dx, dL/dgamma, dL/dbeta of :func:`batch_norm_forward_plain` (3.15)."""
    x_hat, inv_std, gamma, axes = cache
    grad_gamma = np.sum(grad * x_hat, axis=axes)
    grad_beta = np.sum(grad, axis=axes)
    grad_x = normalization_backward(grad * gamma, x_hat, inv_std, axes)
    return grad_x, grad_gamma, grad_beta


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
        self._axes(x)  # checks the shape
        # images as (N, C, H W): each channel's values of an image are one row, so
        # that a channel vector, shaped (1, C, 1), broadcasts along long rows
        rows = x.reshape(x.shape[0], x.shape[1], -1) if x.ndim == 4 else x
        channel = (1, -1, 1) if x.ndim == 4 else (1, -1)
        self.channel, self.count = channel, x.size // x.shape[1]  # values per channel
        if self.training:
            if self.count < 2:
                raise ValueError(
                    "batch normalization needs more than one value per channel"
                )
            mean = channel_sum(rows) / self.count  # (3.14): batch statistics
            centred = rows - mean.reshape(channel)
            var = channel_sum(np.square(centred)) / self.count
            unbiased = var * self.count / (self.count - 1)
            m = self.momentum
            self.running_mean[...] = (1 - m) * self.running_mean + m * mean
            self.running_var[...] = (1 - m) * self.running_var + m * unbiased
        else:
            mean, var = self.running_mean, self.running_var
            centred = rows - mean.reshape(channel)
        self.inv_std = (1 / np.sqrt(var + self.eps)).astype(x.dtype)
        # x_hat, written over the centred values
        self.x_hat = np.multiply(centred, self.inv_std.reshape(channel), out=centred)
        gamma, beta = self.own_params["gamma"], self.own_params["beta"]
        out = self.x_hat * gamma.reshape(channel)
        out += beta.reshape(channel)
        return out.reshape(x.shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x_hat, channel, gamma = self.x_hat, self.channel, self.own_params["gamma"]
        shape, grad = grad.shape, grad.reshape(x_hat.shape)
        # dL/dbeta and dL/dgamma: sums over the batch (and the positions)
        grad_beta = channel_sum(grad)
        grad_gamma = channel_sum(grad * x_hat)
        self.own_grads["beta"][...] = grad_beta
        self.own_grads["gamma"][...] = grad_gamma
        scale = (gamma * self.inv_std).reshape(channel)
        if not self.training:  # the running statistics are constants
            return (grad * scale).reshape(shape)
        # (3.15), normalization_backward with g = gamma * grad: in training the batch
        # mean and variance depend on every input too; the means of g and of g * x_hat
        # are gamma times those of grad and grad * x_hat, the sums just taken
        mean_g = (grad_beta / self.count).reshape(channel)
        mean_g_x_hat = (grad_gamma / self.count).reshape(channel)
        grad_x = x_hat * mean_g_x_hat
        np.subtract(grad, grad_x, out=grad_x)
        grad_x -= mean_g
        grad_x *= scale
        return grad_x.reshape(shape)


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


def layer_norm_forward_fast(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    eps: float = 1e-5,
    x_hat: np.ndarray | None = None,
) -> tuple[np.ndarray, tuple]:
    """:func:`layer_norm_forward` (5.13) in fewer passes over ``x``: the means over the
    features as matrix-vector products, ``x_hat`` written in place (into the buffer
    ``x_hat`` when given, of ``x``'s shape). Same output and cache."""
    d = x.shape[-1]
    average = np.full(d, 1 / d, dtype=x.dtype)  # x @ average: the mean of each vector
    x_hat = np.subtract(x, (x @ average)[..., None], out=x_hat)
    var = np.square(x_hat) @ average
    inv_std = (1 / np.sqrt(var + eps)).astype(x.dtype)[..., None]
    x_hat *= inv_std
    out = x_hat * gamma
    out += beta
    return out, (x_hat, inv_std, gamma)


def layer_norm_backward_fast(
    grad_out: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`layer_norm_backward` (5.14) in fewer passes: every sum a matrix-vector
    product, the mean of ``g = grad_out * gamma`` over the features taken as
    ``grad_out @ gamma / d`` without forming ``g`` first."""
    x_hat, inv_std, gamma = cache
    d = grad_out.shape[-1]
    rows = grad_out.reshape(-1, d)
    ones = np.ones(len(rows), dtype=grad_out.dtype)
    grad_beta = ones @ rows
    grad_x_hat = grad_out * x_hat  # the product both dL/dgamma and (5.14) need
    grad_gamma = ones @ grad_x_hat.reshape(-1, d)
    mean_g = (grad_out @ (gamma / d))[..., None]  # mean of g
    mean_g_x_hat = (grad_x_hat @ (gamma / d))[..., None]  # mean of g * x_hat
    grad_x = grad_out * gamma
    grad_x -= mean_g
    grad_x -= np.multiply(x_hat, mean_g_x_hat, out=grad_x_hat)
    grad_x *= inv_std
    return grad_x, grad_gamma, grad_beta


class LayerNorm(Layer):
    """LayerNorm over the last axis, learned scale ``gamma``, shift ``beta`` (5.13).

    It runs :func:`layer_norm_forward_fast` and :func:`layer_norm_backward_fast`, and
    keeps ``x_hat`` in a buffer that the next forward pass of the same shape reuses."""

    def __init__(self, d_model: int, eps: float = 1e-5, dtype=np.float32):
        super().__init__()
        self.eps = eps
        self.set_params(
            gamma=np.ones(d_model, dtype=dtype), beta=np.zeros(d_model, dtype=dtype)
        )

    def forward(self, x: np.ndarray) -> np.ndarray:
        p = self.own_params
        buffer = getattr(self, "cache", (None,))[0]
        if buffer is None or buffer.shape != x.shape or buffer.dtype != x.dtype:
            buffer = None
        out, self.cache = layer_norm_forward_fast(
            x, p["gamma"], p["beta"], self.eps, x_hat=buffer
        )
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad_x, grad_gamma, grad_beta = layer_norm_backward_fast(grad, self.cache)
        self.own_grads["gamma"][...] = grad_gamma
        self.own_grads["beta"][...] = grad_beta
        return grad_x
