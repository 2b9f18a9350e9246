"""Convolution and pooling layers in NumPy, with hand-written backward passes
(chapter 3).

The layers follow the conventions of :mod:`dlbook.scratch.layers`
(``forward``/``backward``, ``params`` and ``grads`` dicts updated in place,
``train()``/``eval()``), so they mix with its ``Linear``, ``ReLU`` and ``Sequential``
and train with the optimizers of :mod:`dlbook.scratch.optim`.

Images are ``(N, C, H, W)`` (batch, channels, height, width), and a convolution's weight
is ``(C_out, C_in, k_h, k_w)``, both as in PyTorch. Like PyTorch, a "convolution" here
is a cross-correlation: the kernel is not flipped (3.1). Equation numbers refer to
chapter 3.

Two implementations of the forward pass:

* :func:`conv2d_forward_loops` follows the definition (3.1), one output number at a
  time;
* :func:`conv2d_forward` copies every receptive field into a column (:func:`im2col`) and
  does the whole convolution as one matrix product (3.6). The columns are laid out as a
  ``(C_in k_h k_w, H_out W_out N)`` matrix, built from a strided view of the padded
  input stored as ``(C, H, W, N)``: with the image index last, the copy runs along
  rows of ``W_out N`` numbers (fast), and the product is one large ``matmul``.

:func:`col2im` is the adjoint of :func:`im2col` (it adds each column back where it came
from), which is exactly what the backward pass needs for dL/dx (3.9).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from dlbook.scratch.layers import Layer, init_weight

__all__ = [
    "AvgPool2d",
    "Conv2d",
    "Flatten",
    "MaxPool2d",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "col2im",
    "conv2d_backward",
    "conv2d_forward",
    "conv2d_forward_loops",
    "conv_output_size",
    "im2col",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "pair",
]


def pair(value: int | tuple[int, int]) -> tuple[int, int]:
    """``3 -> (3, 3)``; a pair is returned as a tuple of two ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"expected an int or a pair of ints, got {value!r}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution or pooling along one axis (3.3):

    ``floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1``.
    """
    span = dilation * (kernel - 1) + 1  # the receptive field's extent
    if stride < 1 or kernel < 1 or dilation < 1 or padding < 0:
        raise ValueError(
            "kernel, stride, dilation must be >= 1 and padding >= 0: "
            f"{kernel, stride, dilation, padding}"
        )
    if size + 2 * padding < span:
        raise ValueError(
            f"the kernel's extent {span} exceeds "
            f"the padded input size {size + 2 * padding}"
        )
    return (size + 2 * padding - span) // stride + 1


def _pad(x: np.ndarray, padding: tuple[int, int], value: float = 0.0) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _geometry(x_shape, kernel, stride, padding, dilation):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = map(
        pair, (kernel, stride, padding, dilation)
    )
    _, _, h, w = x_shape
    h_out = conv_output_size(h, kh, sh, ph, dh)
    w_out = conv_output_size(w, kw, sw, pw, dw)
    return (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out)


def conv2d_forward_loops(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride=1,
    padding=0,
    dilation=1,
) -> np.ndarray:
    """The definition (3.1), one output number at a time: slow,
    but the reference for the rest.

    ``x``: ``(N, C_in, H, W)``; ``weight``: ``(C_out, C_in, k_h, k_w)``; ``bias``:
    ``(C_out,)``. Returns ``(N, C_out, H_out, W_out)``.
    """
    (kh, kw), (sh, sw), pad, (dh, dw), (h_out, w_out) = _geometry(
        x.shape, weight.shape[2:], stride, padding, dilation
    )
    xp = _pad(x, pad)
    n_images, c_out = x.shape[0], weight.shape[0]
    out = np.empty((n_images, c_out, h_out, w_out), dtype=np.result_type(x, weight))
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # extent of a receptive field
    for n in range(n_images):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    # the receptive field of output (i, j):
                    # every input channel, k_h x k_w taps
                    window = xp[
                        n,
                        :,
                        i * sh : i * sh + span_h : dh,
                        j * sw : j * sw + span_w : dw,
                    ]
                    out[n, o, i, j] = np.sum(window * weight[o])  # (3.1)
    if bias is not None:
        out += bias[None, :, None, None]
    return out


def im2col(x: np.ndarray, kernel, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Every receptive field of ``x`` as a column: ``(C k_h k_w, H_out W_out N)`` (3.5).

    Row ``c k_h k_w + p k_w + q`` holds input channel ``c`` at kernel offset ``(p, q)``;
    column ``(i W_out + j) N + n`` is output position ``(i, j)`` of image ``n``: the
    columns of (3.5) with the image index last. The input is copied once, padded, into
    ``(C, H, W, N)`` order, where a row of pixels of all ``N`` images is one run; the
    columns are a strided *view* of that copy until the final reshape copies them, in
    runs of ``W_out N`` numbers at stride 1.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = _geometry(
        x.shape, kernel, stride, padding, dilation
    )
    n, c, h, w = x.shape
    xp = np.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=x.dtype)
    xp[:, ph : ph + h, pw : pw + w] = x.transpose(1, 2, 3, 0)  # (C, H, W, N), padded
    s_c, s_h, s_w, s_n = xp.strides
    view = as_strided(
        xp,
        shape=(c, kh, kw, h_out, w_out, n),
        strides=(s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw, s_n),
        writeable=False,
    )
    return view.reshape(c * kh * kw, h_out * w_out * n)  # the columns' copy


def col2im(
    cols: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel,
    stride=1,
    padding=0,
    dilation=1,
) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every entry of ``cols`` back to the input
    pixel it was copied from, and return an array of shape ``x_shape`` (3.9).

    A pixel that lies in several receptive fields receives the sum of their entries. The
    loop runs over the ``k_h k_w`` kernel offsets only; each step adds one strided slab.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = _geometry(
        x_shape, kernel, stride, padding, dilation
    )
    n, c, h, w = x_shape
    blocks = cols.reshape(c, kh, kw, h_out, w_out, n)
    # (C, H, W, N), the image index last like cols
    padded = np.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            rows = slice(p * dh, p * dh + sh * (h_out - 1) + 1, sh)
            columns = slice(q * dw, q * dw + sw * (w_out - 1) + 1, sw)
            padded[:, rows, columns] += blocks[:, p, q]
    return padded[:, ph : ph + h, pw : pw + w].transpose(3, 0, 1, 2)


def conv2d_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride=1,
    padding=0,
    dilation=1,
) -> tuple[np.ndarray, np.ndarray]:
    """Convolution as one matrix product (3.6); returns ``(output, cols)``, the columns
    being what the backward pass needs. ``output`` is ``(N, C_out, H_out, W_out)`` (a
    transposed view)."""
    c_out = weight.shape[0]
    _, _, _, _, (h_out, w_out) = _geometry(
        x.shape, weight.shape[2:], stride, padding, dilation
    )
    # (C k k, H_out W_out N)
    cols = im2col(x, weight.shape[2:], stride, padding, dilation)
    out = weight.reshape(c_out, -1) @ cols  # (3.6): (C_out, H_out W_out N)
    if bias is not None:
        out += bias[:, None]
    return out.reshape(c_out, h_out, w_out, x.shape[0]).transpose(3, 0, 1, 2), cols


def conv2d_backward(
    grad_out: np.ndarray,
    x_shape,
    weight: np.ndarray,
    cols: np.ndarray,
    stride=1,
    padding=0,
    dilation=1,
    input_grad: bool = True,
):
    """Gradients of a convolution from dL/d(output) ``(N, C_out, H_out, W_out)``:
    ``(dL/dx, dL/dweight, dL/dbias)``, by (3.9), (3.7) and (3.8). ``dL/dx`` is None when
    ``input_grad`` is false."""
    c_out = weight.shape[0]
    # (C_out, H_out W_out N), the columns' order
    grad_mat = grad_out.transpose(1, 2, 3, 0).reshape(c_out, -1)
    grad_weight = (grad_mat @ cols.T).reshape(weight.shape)  # (3.7)
    grad_bias = grad_mat.sum(axis=1)  # (3.8)
    if not input_grad:
        return None, grad_weight, grad_bias
    grad_cols = weight.reshape(c_out, -1).T @ grad_mat  # (3.9): (C k k, H_out W_out N)
    grad_x = col2im(grad_cols, x_shape, weight.shape[2:], stride, padding, dilation)
    return grad_x, grad_weight, grad_bias


class Conv2d(Layer):
    """A 2-D convolution layer: ``params["W"]`` is ``(C_out, C_in, k, k)``,
    ``params["b"]`` is ``(C_out,)``.

    He initialization (variance 2 / fan-in, fan-in = ``C_in k k``). ``input_grad=False``
    skips dL/dx (the first layer of a network does not need it), as in
    :class:`dlbook.scratch.layers.Linear`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        rng: np.random.Generator,
        stride=1,
        padding=0,
        dilation=1,
        dtype=np.float32,
        input_grad: bool = True,
    ):
        super().__init__()
        kh, kw = pair(kernel_size)
        shape = (out_channels, in_channels, kh, kw)
        fan_in = in_channels * kh * kw
        weight = init_weight(fan_in, out_channels, rng, "he", dtype, shape)
        self.set_params(W=weight, b=np.zeros(out_channels, dtype=dtype))
        self.stride, self.padding, self.dilation = (
            pair(stride),
            pair(padding),
            pair(dilation),
        )
        self.input_grad = input_grad

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        out, self.cols = conv2d_forward(
            x,
            self.own_params["W"],
            self.own_params["b"],
            self.stride,
            self.padding,
            self.dilation,
        )
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        grad_x, grad_w, grad_b = conv2d_backward(
            grad,
            self.x_shape,
            self.own_params["W"],
            self.cols,
            self.stride,
            self.padding,
            self.dilation,
            self.input_grad,
        )
        self.own_grads["W"][...] = grad_w  # in place: optimizers hold these arrays
        self.own_grads["b"][...] = grad_b
        return grad_x


# --- pooling --------------------------------------------------------------------------


def _pool_geometry(x_shape, kernel, stride, padding):
    kernel = pair(kernel)
    stride = kernel if stride is None else pair(stride)
    _, _, pad, _, out_hw = _geometry(x_shape, kernel, stride, padding, 1)
    return kernel, stride, pad, out_hw


def _offsets(kernel, stride, out_hw):
    """For every kernel offset ``(p, q)``: the slices of the padded input that it
    touches, one entry per output (a strided view). Pooling loops over the ``k_h k_w``
    offsets, never over pixels."""
    (kh, kw), (sh, sw), (h_out, w_out) = kernel, stride, out_hw
    for p in range(kh):
        for q in range(kw):
            rows, columns = (
                slice(p, p + sh * (h_out - 1) + 1, sh),
                slice(q, q + sw * (w_out - 1) + 1, sw),
            )
            yield slice(None), slice(None), rows, columns


def max_pool2d_forward(x: np.ndarray, kernel, stride=None, padding=0) -> np.ndarray:
    """Max pooling (3.10): the running maximum over the kernel offsets;
    ``stride`` defaults to the kernel. The output keeps the input's memory layout
    (a convolution's output is stored ``(C, H, W, N)``), so that every step of the
    loop walks both arrays in the same order."""
    kernel, stride, pad, out_hw = _pool_geometry(x.shape, kernel, stride, padding)
    xp = _pad(x, pad, value=-np.inf)  # padding never wins
    out = None
    for window in _offsets(kernel, stride, out_hw):
        if out is None:
            out = xp[window].copy(order="K")  # "K": in xp's memory order
        else:
            np.maximum(out, xp[window], out=out)
    return out


def max_pool2d_backward(
    grad_out: np.ndarray, x: np.ndarray, out: np.ndarray, kernel, stride=None, padding=0
) -> np.ndarray:
    """dL/dx of max pooling (3.12): each output's gradient goes to the input that won
    its window, the first one in row-major order on ties (as PyTorch); an input that
    wins several overlapping windows receives the sum. The winners are found again by
    comparing with the output ``out``."""
    kernel, stride, (ph, pw), out_hw = _pool_geometry(x.shape, kernel, stride, padding)
    xp = _pad(x, (ph, pw), value=-np.inf)
    grad_xp = np.zeros_like(xp, dtype=grad_out.dtype)  # in xp's memory layout
    taken = np.zeros_like(out, dtype=bool)  # outputs whose winner was already found
    overlapping = stride[0] < kernel[0] or stride[1] < kernel[1]
    for window in _offsets(kernel, stride, out_hw):
        won = xp[window] == out
        won &= ~taken
        taken |= won
        if overlapping:
            grad_xp[window] += grad_out * won
        else:  # each input pixel lies in one window at most: write, do not add
            np.multiply(grad_out, won, out=grad_xp[window])
    return grad_xp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]


def avg_pool2d_forward(x: np.ndarray, kernel, stride=None, padding=0) -> np.ndarray:
    """Average pooling (3.11); zero padding counts in the average
    (PyTorch's default)."""
    kernel, stride, pad, out_hw = _pool_geometry(x.shape, kernel, stride, padding)
    xp = _pad(x, pad)
    total = None
    for window in _offsets(kernel, stride, out_hw):
        if total is None:
            total = xp[window].copy(order="K")  # in xp's memory order, as max pooling
        else:
            np.add(total, xp[window], out=total)
    return total / np.asarray(kernel[0] * kernel[1], dtype=x.dtype)


def avg_pool2d_backward(
    grad_out: np.ndarray, x_shape, kernel, stride=None, padding=0
) -> np.ndarray:
    """dL/dx of average pooling (3.13): every input of a window receives
    ``1 / (k_h k_w)`` of its gradient."""
    kernel, stride, (ph, pw), out_hw = _pool_geometry(x_shape, kernel, stride, padding)
    n, c, h, w = x_shape
    share = grad_out / np.asarray(kernel[0] * kernel[1], dtype=grad_out.dtype)
    grad_xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=grad_out.dtype)
    for window in _offsets(kernel, stride, out_hw):
        grad_xp[window] += share
    return grad_xp[:, :, ph : ph + h, pw : pw + w]


class _Pool2d(Layer):
    """Pooling over ``kernel_size`` windows moved by ``stride``
    (default: the kernel size)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel, self.stride, self.padding = kernel_size, stride, padding


class MaxPool2d(_Pool2d):
    """Max pooling (3.10), as ``nn.MaxPool2d``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        self.out = max_pool2d_forward(x, self.kernel, self.stride, self.padding)
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return max_pool2d_backward(
            grad, self.x, self.out, self.kernel, self.stride, self.padding
        )


class AvgPool2d(_Pool2d):
    """Average pooling (3.11), as ``nn.AvgPool2d``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        return avg_pool2d_forward(x, self.kernel, self.stride, self.padding)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return avg_pool2d_backward(
            grad, self.x_shape, self.kernel, self.stride, self.padding
        )


class Flatten(Layer):
    """``(N, C, H, W) -> (N, C H W)``, the bridge from convolutions to
    :class:`dlbook.scratch.layers.Linear`."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(self.x_shape)
