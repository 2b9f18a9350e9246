"""Chapter 3's graded exercises on convolution, pooling and Grad-CAM: their reference
answers in PyTorch (see :mod:`dlbook.grading.reference`) and the chapter's NumPy-only
guard (batch normalization's answers are in
:mod:`~dlbook.grading.reference.normalization`)."""

from __future__ import annotations

import numpy as np

from dlbook.grading.numpy_only import numpy_only_checker
from dlbook.grading.reference._torch import tensor64

__all__ = [
    "FORBIDDEN",
    "conv2d",
    "conv_output_size",
    "grad_cam",
    "im2col",
    "numpy_only_answer",
    "max_pool2d_backward",
    "random_conv_case",
    "small_cnn",
]

# What an answer may not call: torch, the chapter's own code (and the rest of the
# course's NumPy code), and these references. The first that matches names a use.
FORBIDDEN = (
    "torch",
    "dlbook.scratch.conv",
    "dlbook.scratch.normalization",
    "dlbook.scratch",
    "dlbook.grading.reference.conv",
    "dlbook.grading.reference.normalization",
)


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """The output length that ``torch.nn.functional.conv2d`` gives along one axis."""
    import torch

    out = torch.nn.functional.conv2d(
        torch.zeros(1, 1, size, 1),
        torch.zeros(1, 1, kernel, 1),
        stride=(stride, 1),
        padding=(padding, 0),
        dilation=(dilation, 1),
    )
    return int(out.shape[2])


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: int = 1,
    padding: int = 0,
) -> np.ndarray:
    """``torch.nn.functional.conv2d`` in float64, as a NumPy array."""
    import torch

    b = None if bias is None else tensor64(bias)
    return torch.nn.functional.conv2d(
        tensor64(x), tensor64(weight), b, stride=stride, padding=padding
    ).numpy()


def im2col(
    x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """The columns ``(C kh kw, N H_out W_out)`` of chapter 3's (3.5), from
    ``torch.nn.functional.unfold``.

    ``unfold`` gives ``(N, C kh kw, H_out W_out)`` with rows ordered (channel, kernel
    row, kernel column); (3.5) puts the images side by side: column
    ``n H_out W_out + i W_out + j``, the order the exercise asks for (the package's
    :func:`dlbook.scratch.conv.im2col` puts the image index last, for speed).
    """
    import torch

    # (N, C kh kw, L)
    cols = torch.nn.functional.unfold(
        tensor64(x), (kh, kw), stride=stride, padding=padding
    )
    return cols.permute(1, 0, 2).reshape(cols.shape[1], -1).numpy()


def max_pool2d_backward(
    x: np.ndarray, grad_out: np.ndarray, kernel: int, stride: int
) -> np.ndarray:
    """dL/dx of ``max_pool2d(x, kernel, stride)`` for
    the upstream gradient ``grad_out``, by autograd."""
    import torch

    xt = tensor64(x, grad=True)
    out = torch.nn.functional.max_pool2d(xt, kernel, stride)
    (grad,) = torch.autograd.grad(out, xt, tensor64(grad_out))
    return grad.numpy()


def random_conv_case(rng: np.random.Generator, max_size: int = 10) -> tuple:
    """Random inputs of a convolution for a test: ``(x, weight, bias, stride, padding)``
    with 1-3 images, 1-3 input and 1-4 output channels, a kernel of 1-4 by 1-4 taps
    (rectangular too), stride 1-3, padding 0-2, and an image of any size up to
    ``max_size - 1`` that the kernel fits."""
    low, high = [1, 1, 1, 1, 1, 1, 0], [4, 4, 5, 5, 5, 4, 3]
    n, c_in, c_out, kh, kw, stride, padding = (int(v) for v in rng.integers(low, high))
    h = int(rng.integers(max(1, kh - 2 * padding), max_size))
    w = int(rng.integers(max(1, kw - 2 * padding), max_size))
    x, weight, bias = (
        rng.normal(size=(n, c_in, h, w)),
        rng.normal(size=(c_out, c_in, kh, kw)),
        rng.normal(size=c_out),
    )
    return x, weight, bias, stride, padding


def small_cnn(seed: int, classes: int = 3):
    """A small untrained float64 CNN for 12 x 12 one-channel images, and its last
    convolutional block (the layer Grad-CAM looks at): conv-ReLU-pool, conv-ReLU, then a
    linear layer on every position. Seeded without touching torch's global generator."""
    import torch
    from torch import nn

    with torch.random.fork_rng():
        torch.manual_seed(seed)
        last_block = nn.ReLU()
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, padding=1),
            last_block,
            nn.Flatten(),
            nn.Linear(6 * 6 * 6, classes),
        ).double()
    return model, last_block


def grad_cam(model, layer, image: np.ndarray, target: int) -> np.ndarray:
    """Grad-CAM (Selvaraju et al.) of ``model`` at ``layer`` for class ``target``:
    ``(h, w)``, before upsampling.

    ``image`` is one ``(C, H, W)`` input; the class score is the target's logit.
    """
    import torch

    captured = {}
    handle = layer.register_forward_hook(
        lambda module, inputs, output: captured.setdefault("A", output)
    )
    try:
        logits = model(tensor64(image[None]).to(next(model.parameters()).dtype))
    finally:
        handle.remove()
    activations = captured["A"]  # (1, K, h, w)
    (gradients,) = torch.autograd.grad(logits[0, target], activations)
    weights = gradients.mean(dim=(2, 3), keepdim=True)  # one weight per channel
    return torch.relu((weights * activations).sum(dim=1))[0].detach().double().numpy()


numpy_only_answer = numpy_only_checker(FORBIDDEN)
