"""Each from-scratch NumPy operation (a layer, a loss, a training step) against its
PyTorch counterpart, at the chapters' shapes: forward, and forward + backward (the
input gradient and every parameter gradient, from a fixed upstream gradient)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from dlbook.scratch.attention import (
    LayerNorm,
    attention_backward,
    attention_forward,
)
from dlbook.scratch.conv import Conv2d, Flatten, MaxPool2d
from dlbook.scratch.layers import (
    Linear,
    ReLU,
    Sequential,
    log_softmax,
    softmax_cross_entropy,
)
from dlbook.scratch.normalization import BatchNorm
from dlbook.scratch.rnn import LSTM, RNN

# What the course asks of its NumPy kernels: the NumPy / PyTorch time ratio of forward
# + backward (of a step, for the training steps), the limit and the goal. Reported on
# the page, never asserted (a timing depends on the machine).
TARGETS = {
    "Conv2d": {"limit": 2.0, "goal": 1.5},
    "BatchNorm": {"limit": 2.0, "goal": None},
    "LSTM": {"limit": 2.0, "goal": None},
    "attention": {"limit": 2.0, "goal": None},
    "LayerNorm": {"limit": 2.0, "goal": None},
    "MLP training step": {"limit": 1.5, "goal": None},
    "CNN training step": {"limit": 1.5, "goal": None},
}


@dataclass
class Floor:
    """A lower bound on the time of a NumPy kernel that is made of passes over whole
    arrays: it makes ``passes`` element-wise passes writing an array of the
    activation's shape and ``products`` matrix-vector products reading one (the
    counts are the kernel's, checked in ``tests/test_benchmarks.py``), and none of
    them can cost less than the cheapest of its kind, timed alone: ``one_pass``
    multiplies such an array by a number in place (one read and one write per
    element, nothing broadcast), ``one_product`` is a matrix-vector product with it
    (each orientation the kernel uses; the cheaper counts)."""

    passes: int
    products: int
    one_pass: Callable[[], object]
    one_product: tuple[Callable[[], object], ...]


@dataclass
class Operation:
    name: str
    chapter: str
    shape: str
    numpy_fwd: Callable[[], object]
    numpy_fb: Callable[[], object]
    torch_fwd: Callable[[], object]
    torch_fb: Callable[[], object]
    flops_fwd: float | None = None  # None: memory-bound, no matrix products
    flops_fb: float | None = None
    note: str = ""
    floor: Floor | None = None


def _t(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).requires_grad_(grad)


def _grad(out, inputs, upstream):
    return torch.autograd.grad(out, inputs, upstream)


def _layer(name, chapter, shape, layer, torch_fwd, x, g, torch_params=(), **rest):
    """A NumPy layer against ``torch_fwd`` (a function of the input tensor): each one's
    forward pass on ``x``, then forward + backward from the upstream gradient ``g``
    (PyTorch's: the gradients of the input and of ``torch_params``). ``rest``: the
    flop counts and the note of :class:`Operation`."""
    xt, gt = _t(x, True), _t(g)

    def numpy_fb():
        layer.forward(x)
        return layer.backward(g)

    return Operation(
        name,
        chapter,
        shape,
        lambda: layer.forward(x),
        numpy_fb,
        lambda: torch_fwd(xt),
        lambda: _grad(torch_fwd(xt), (xt, *torch_params), gt),
        **rest,
    )


def _normal(rng, *shapes):
    """Standard normal float32 arrays of the given shapes (an input and its upstream
    gradient)."""
    return (rng.standard_normal(shape, dtype=np.float32) for shape in shapes)


def linear(rng, n=128, d_in=784, d_out=256) -> Operation:
    layer = Linear(d_in, d_out, rng)
    x, g = _normal(rng, (n, d_in), (n, d_out))
    wt, bt = _t(layer.params["W"].T, True), _t(layer.params["b"], True)
    flops = 2 * n * d_in * d_out
    return _layer(
        "Linear",
        "2",
        f"x ({n}, {d_in}) -> {d_out}",
        layer,
        lambda xt: F.linear(xt, wt, bt),
        x,
        g,
        (wt, bt),
        flops_fwd=flops,
        flops_fb=3 * flops,
    )


def cross_entropy(rng, n=128, k=10) -> Operation:
    logits = rng.standard_normal((n, k), dtype=np.float32)
    labels = rng.integers(0, k, n)
    lt, yt = _t(logits, True), torch.from_numpy(labels)

    def numpy_fwd():
        return -log_softmax(logits)[np.arange(n), labels].mean()

    def torch_fb():
        return _grad(F.cross_entropy(lt, yt), (lt,), None)

    return Operation(
        "softmax cross-entropy",
        "2",
        f"logits ({n}, {k})",
        numpy_fwd,
        lambda: softmax_cross_entropy(logits, labels),
        lambda: F.cross_entropy(lt, yt),
        torch_fb,
    )


def conv2d(rng, n=64, c_in=16, c_out=32, size=14, k=3) -> Operation:
    layer = Conv2d(c_in, c_out, k, rng, padding=1)
    x, g = _normal(rng, (n, c_in, size, size), (n, c_out, size, size))
    wt, bt = _t(layer.params["W"], True), _t(layer.params["b"], True)
    flops = 2 * n * c_out * size * size * c_in * k * k
    return _layer(
        "Conv2d",
        "3",
        f"x ({n}, {c_in}, {size}, {size}), {c_out} filters {k}x{k}, padding 1",
        layer,
        lambda xt: F.conv2d(xt, wt, bt, padding=1),
        x,
        g,
        (wt, bt),
        flops_fwd=flops,
        flops_fb=3 * flops,
    )


def maxpool(rng, n=64, c=16, size=28) -> Operation:
    x = np.maximum(rng.standard_normal((n, c, size, size), dtype=np.float32), 0)
    (g,) = _normal(rng, (n, c, size // 2, size // 2))
    return _layer(
        "MaxPool2d",
        "3",
        f"x ({n}, {c}, {size}, {size}), 2x2",
        MaxPool2d(2),
        lambda xt: F.max_pool2d(xt, 2),
        x,
        g,
    )


def batchnorm(rng, n=64, c=32, size=14) -> Operation:
    module = torch.nn.BatchNorm2d(c)
    x, g = _normal(rng, (n, c, size, size), (n, c, size, size))
    return _layer(
        "BatchNorm",
        "3",
        f"x ({n}, {c}, {size}, {size}), training mode",
        BatchNorm(c),
        module,
        x,
        g,
        (module.weight, module.bias),
    )


def _recurrent(rng, kind, n=32, t=50, d=1, h=32) -> Operation:
    layer = (RNN if kind == "RNN" else LSTM)(d, h, rng)
    module = (torch.nn.RNN if kind == "RNN" else torch.nn.LSTM)(d, h, batch_first=True)
    x, g = _normal(rng, (n, t, d), (n, t, h))
    gates = 1 if kind == "RNN" else 4
    flops = 2 * n * t * (d + h) * gates * h
    return _layer(
        kind,
        "4",
        f"x ({n}, {t}, {d}), hidden {h}",
        layer,
        lambda xt: module(xt)[0],
        x,
        g,
        tuple(module.parameters()),
        flops_fwd=flops,
        flops_fb=3 * flops,
        note="the step loop runs in Python",
    )


def attention(rng, n=32, heads=4, t=64, d=32) -> Operation:
    q, k, v, g = (
        rng.standard_normal((n, heads, t, d), dtype=np.float32) for _ in range(4)
    )
    qt, kt, vt = (_t(a, True) for a in (q, k, v))
    gt = _t(g)

    def numpy_fb():
        _, cache = attention_forward(q, k, v)
        return attention_backward(g, cache)

    def torch_fb():
        out = F.scaled_dot_product_attention(qt, kt, vt)
        return _grad(out, (qt, kt, vt), gt)

    flops = 4 * n * heads * t * t * d
    return Operation(
        "attention",
        "5",
        f"q, k, v ({n}, {heads}, {t}, {d})",
        lambda: attention_forward(q, k, v),
        numpy_fb,
        lambda: F.scaled_dot_product_attention(qt, kt, vt),
        torch_fb,
        flops,
        3 * flops,
        note="torch: the fused scaled_dot_product_attention",
    )


def layernorm(rng, n=32, t=64, d=128) -> Operation:
    module = torch.nn.LayerNorm(d)
    x, g = _normal(rng, (n, t, d), (n, t, d))
    rows, scratch = x.reshape(-1, d), np.ones((n * t, d), dtype=x.dtype)
    features, batch = np.full(d, 1 / d, dtype=x.dtype), np.ones(n * t, dtype=x.dtype)
    return _layer(
        "LayerNorm",
        "5",
        f"x ({n}, {t}, {d})",
        LayerNorm(d),
        module,
        x,
        g,
        (module.weight, module.bias),
        # layer_norm_forward_fast: 5 passes, 2 products; layer_norm_backward_fast: 6
        # passes, 4 products
        floor=Floor(
            passes=11,
            products=6,
            one_pass=lambda: np.multiply(scratch, 1.0, out=scratch),
            one_product=(lambda: rows @ features, lambda: batch @ rows),
        ),
    )


def _sgd_steps(model: Sequential, net: torch.nn.Module, x, y, lr: float):
    """The four timed closures of a training step on ``(x, y)``: the NumPy model's
    forward pass with its loss, its SGD step (forward, loss, backward, update), then
    the same two for the PyTorch net."""
    params, grads = model.params, model.grads
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def numpy_fwd():
        return softmax_cross_entropy(model.forward(x), y)[0]

    def numpy_step():
        _, grad = softmax_cross_entropy(model.forward(x), y)
        model.backward(grad)
        for name, p in params.items():
            p -= lr * grads[name]

    def torch_fwd():
        with torch.no_grad():
            return F.cross_entropy(net(xt), yt)

    def torch_step():
        opt.zero_grad()
        F.cross_entropy(net(xt), yt).backward()
        opt.step()

    return numpy_fwd, numpy_step, torch_fwd, torch_step


def mlp_step(rng, n=128, d_in=784, hidden=256, k=10, lr=0.1) -> Operation:
    """One SGD step of chapter 2's 784-256-10 MLP: forward, loss, backward, update.
    (The forward column is the forward pass and the loss.) An epoch of 55,000 images
    is 430 such steps."""
    model = Sequential(
        Linear(d_in, hidden, rng, input_grad=False), ReLU(), Linear(hidden, k, rng)
    )
    x = rng.standard_normal((n, d_in), dtype=np.float32)
    y = rng.integers(0, k, n)
    net = torch.nn.Sequential(
        torch.nn.Linear(d_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, k)
    )
    flops = 2 * n * (d_in * hidden + hidden * k)
    return Operation(
        "MLP training step",
        "2",
        f"{d_in}-{hidden}-{k}, batch {n}, SGD",
        *_sgd_steps(model, net, x, y, lr),
        flops,
        3 * flops - 2 * n * d_in * hidden,  # no dL/dx for the first layer
        note="forward + backward + update; an epoch is 430 steps",
    )


def cnn_step(rng, n=64) -> Operation:
    """One step of chapter 3's NumPy CNN (two 3x3 convolutions, 16 and 32 filters,
    each followed by ReLU and 2x2 max pooling, then 1568-128-10) on 28x28 images."""
    model = _numpy_cnn(rng)
    net = _torch_cnn()
    x = rng.standard_normal((n, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, n)
    flops = cnn_flops(n)
    return Operation(
        "CNN training step",
        "3",
        f"chapter 3's CNN, batch {n}, SGD",
        *_sgd_steps(model, net, x, y, lr=0.05),
        flops,
        3 * flops - 2 * n * 16 * 28 * 28 * 9,  # no dL/dx for the first layer
        note="forward + backward + update",
    )


def _numpy_cnn(rng) -> Sequential:
    return Sequential(
        Conv2d(1, 16, 3, rng, padding=1, input_grad=False),
        ReLU(),
        MaxPool2d(2),
        Conv2d(16, 32, 3, rng, padding=1),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(32 * 7 * 7, 128, rng),
        ReLU(),
        Linear(128, 10, rng),
    )


def _torch_cnn() -> torch.nn.Module:
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


def cnn_flops(n: int) -> float:
    return (
        2 * n * (16 * 28 * 28 * 9 + 32 * 14 * 14 * 16 * 9 + 32 * 7 * 7 * 128 + 128 * 10)
    )


def all_operations(rng: np.random.Generator, quick: bool = False) -> list[Operation]:
    """The operations at the chapters' shapes (``quick``: tiny shapes, for the test)."""
    if quick:
        return [
            linear(rng, 8, 16, 8),
            cross_entropy(rng, 8, 4),
            conv2d(rng, 2, 2, 4, 6),
            maxpool(rng, 2, 2, 6),
            batchnorm(rng, 2, 3, 4),
            _recurrent(rng, "RNN", 2, 4, 2, 3),
            _recurrent(rng, "LSTM", 2, 4, 2, 3),
            attention(rng, 1, 2, 5, 4),
            layernorm(rng, 2, 3, 8),
            mlp_step(rng, 8, 16, 8, 4),
        ]
    return [
        linear(rng),  # chapter 2: the MLP's first layer, batch 128
        cross_entropy(rng),
        conv2d(rng),  # chapter 3's benchmark cell: the second convolution, batch 64
        maxpool(rng),  # chapter 3: the first pooling layer's input, batch 64
        batchnorm(rng),
        _recurrent(rng, "RNN"),  # chapter 4: the sine task, N = 32, T = 50, H = 32
        _recurrent(rng, "LSTM"),
        attention(rng),  # chapter 5's GPT: batch 32, 4 heads, context 64, d_head 32
        layernorm(rng),  # chapter 5: d_model 128
        mlp_step(rng),
        cnn_step(rng),
    ]
