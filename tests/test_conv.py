"""dlbook.scratch.conv: forward passes against torch, every backward pass against finite
differences and torch.autograd in float64, on random shapes, strides, paddings and
dilations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from dlbook.scratch.conv import (
    AvgPool2d,
    Conv2d,
    Flatten,
    MaxPool2d,
    avg_pool2d_forward,
    col2im,
    conv2d_forward,
    conv2d_forward_loops,
    conv_output_size,
    im2col,
    max_pool2d_backward,
    max_pool2d_forward,
    pair,
)
from dlbook.scratch.layers import Linear, ReLU, Sequential
from dlbook.scratch.optim import Adam

from helpers import check_gradients, property_checks, seeds, t64, train_full_batch

checks = property_checks(15)


@st.composite
def conv_cases(draw, dilation: bool = True):
    """(N, C_in, C_out, H, W, k, stride, padding, dilation) with a valid,
    small output."""
    k = draw(st.integers(1, 4))
    d = draw(st.integers(1, 2)) if dilation else 1
    span = d * (k - 1) + 1
    p = draw(st.integers(0, 2))
    h = draw(st.integers(max(1, span - 2 * p), 9))
    w = draw(st.integers(max(1, span - 2 * p), 9))
    return (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 4)),
        h,
        w,
        k,
        draw(st.integers(1, 3)),
        p,
        d,
    )


@st.composite
def pool_cases(draw):
    """(N, C, H, W, k, stride, padding) with padding <= k / 2, as torch requires."""
    k = draw(st.integers(1, 4))
    p = draw(st.integers(0, k // 2))
    h, w = (
        draw(st.integers(max(1, k - 2 * p), 10)),
        draw(st.integers(max(1, k - 2 * p), 10)),
    )
    return (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        h,
        w,
        k,
        draw(st.integers(1, 4)),
        p,
    )


@checks
@given(
    size=st.integers(1, 40),
    kernel=st.integers(1, 7),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
)
def test_output_size_matches_torch(size, kernel, stride, padding, dilation):
    assume(size + 2 * padding >= dilation * (kernel - 1) + 1)
    out = F.conv2d(
        torch.zeros(1, 1, size, size),
        torch.zeros(1, 1, kernel, kernel),
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    assert conv_output_size(size, kernel, stride, padding, dilation) == out.shape[2]


def test_output_size_rejects_a_kernel_larger_than_the_input():
    with pytest.raises(ValueError, match="exceeds the padded input"):
        conv_output_size(3, 5)
    with pytest.raises(ValueError, match="must be >= 1"):
        conv_output_size(8, 3, stride=0)
    assert pair(3) == (3, 3) and pair((2, 5)) == (2, 5)


@checks
@given(case=conv_cases(), seed=seeds)
def test_conv_forward_loops_and_im2col_match_torch(case, seed):
    n, c_in, c_out, h, w, k, s, p, d = case
    rng = np.random.default_rng(seed)
    x, weight, bias = (
        rng.normal(size=(n, c_in, h, w)),
        rng.normal(size=(c_out, c_in, k, k)),
        rng.normal(size=c_out),
    )
    expected = F.conv2d(
        t64(x), t64(weight), t64(bias), stride=s, padding=p, dilation=d
    ).numpy()
    np.testing.assert_allclose(
        conv2d_forward_loops(x, weight, bias, s, p, d), expected, rtol=1e-10, atol=1e-12
    )
    out, cols = conv2d_forward(x, weight, bias, s, p, d)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    assert cols.shape == (c_in * k * k, n * expected.shape[2] * expected.shape[3])


def test_conv_forward_without_bias_and_rectangular_kernels():
    rng = np.random.default_rng(0)
    x, weight = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 2, 3))
    expected = F.conv2d(
        t64(x), t64(weight), None, stride=(2, 1), padding=(1, 2)
    ).numpy()
    np.testing.assert_allclose(
        conv2d_forward_loops(x, weight, None, (2, 1), (1, 2)), expected, atol=1e-12
    )
    np.testing.assert_allclose(
        conv2d_forward(x, weight, None, (2, 1), (1, 2))[0], expected, atol=1e-12
    )


@checks
@given(case=conv_cases(), seed=seeds)
def test_im2col_matches_unfold_and_col2im_is_its_adjoint(case, seed):
    n, c_in, _, h, w, k, s, p, d = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c_in, h, w))
    cols = im2col(x, k, s, p, d)
    unfolded = F.unfold(t64(x), k, dilation=d, padding=p, stride=s)  # (N, C k k, L)
    # ours: (C k k, L N), the image index last
    np.testing.assert_array_equal(
        cols, unfolded.permute(1, 2, 0).reshape(cols.shape[0], -1).numpy()
    )
    # adjointness: <im2col(x), Y> = <x, col2im(Y)> for every x and Y
    y = rng.normal(size=cols.shape)
    back = col2im(y, x.shape, k, s, p, d)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * back), rtol=1e-10)
    folded = F.fold(
        t64(y.reshape(cols.shape[0], -1, n).transpose(2, 0, 1)),
        (h, w),
        k,
        dilation=d,
        padding=p,
        stride=s,
    )
    np.testing.assert_allclose(back, folded.numpy(), rtol=1e-10, atol=1e-12)


@checks
@given(case=conv_cases(), seed=seeds)
def test_conv_layer_backward(case, seed):
    n, c_in, c_out, h, w, k, s, p, d = case
    rng = np.random.default_rng(seed)
    layer = Conv2d(
        c_in, c_out, k, rng, stride=s, padding=p, dilation=d, dtype=np.float64
    )
    layer.params["b"][...] = rng.normal(size=c_out)
    x = rng.normal(size=(n, c_in, h, w))
    upstream = rng.normal(size=layer.forward(x).shape)
    dx = layer.backward(upstream)
    check_gradients(
        lambda x, W, b: float(np.sum(conv2d_forward(x, W, b, s, p, d)[0] * upstream)),
        lambda x, W, b: (
            F.conv2d(x, W, b, stride=s, padding=p, dilation=d) * t64(upstream)
        ).sum(),
        {"x": x, "W": layer.params["W"], "b": layer.params["b"]},
        {"x": dx, "W": layer.grads["W"], "b": layer.grads["b"]},
    )


def test_first_layer_skips_the_input_gradient():
    rng = np.random.default_rng(1)
    layer = Conv2d(1, 2, 3, rng, input_grad=False, dtype=np.float64)
    out = layer.forward(rng.normal(size=(2, 1, 5, 5)))
    assert layer.backward(np.ones_like(out)) is None
    assert np.all(layer.grads["b"] == 2 * 9)


def distinct_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.01 apart, so that finite
    differences never swap a window's winner."""
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.01 + rng.uniform(
        0, 1e-3, size=shape
    )


# (layer, forward function, torch's, input maker, forward tolerances, finite-difference
# step): max pooling compares exactly on values far enough apart that no perturbation
# changes a window's winner; average pooling on any values.
POOLINGS = [
    pytest.param(
        MaxPool2d,
        max_pool2d_forward,
        F.max_pool2d,
        distinct_values,
        {"rtol": 0, "atol": 0},
        {"eps": 1e-4},
        id="max",
    ),
    pytest.param(
        AvgPool2d,
        avg_pool2d_forward,
        F.avg_pool2d,
        lambda rng, shape: rng.normal(size=shape),
        {"rtol": 1e-12, "atol": 1e-14},
        {},
        id="avg",
    ),
]


@pytest.mark.parametrize(
    "layer_cls, forward, torch_pool, make_input, forward_tol, fd", POOLINGS
)
@checks
@given(case=pool_cases(), seed=seeds)
def test_pool_forward_and_backward(
    layer_cls, forward, torch_pool, make_input, forward_tol, fd, case, seed
):
    n, c, h, w, k, s, p = case
    rng = np.random.default_rng(seed)
    x = make_input(rng, (n, c, h, w))
    layer = layer_cls(k, s, p)
    out = layer.forward(x)
    upstream = rng.normal(size=out.shape)
    dx = layer.backward(upstream)
    expected = torch_pool(t64(x), k, s, p)
    np.testing.assert_allclose(out, expected.numpy(), **forward_tol)
    check_gradients(
        lambda x: float(np.sum(forward(x, k, s, p) * upstream)),
        lambda x: (torch_pool(x, k, s, p) * t64(upstream)).sum(),
        {"x": x},
        {"x": dx},
        **fd,
    )


@checks
@given(case=pool_cases(), seed=seeds)
def test_max_pool_ties_go_to_the_first_input_as_in_torch(case, seed):
    """After a ReLU many windows hold only zeros: the gradient goes to one input,
    the first."""
    n, c, h, w, k, s, p = case
    rng = np.random.default_rng(seed)
    x = np.maximum(rng.integers(-3, 2, size=(n, c, h, w)), 0).astype(np.float32)
    out = max_pool2d_forward(x, k, s, p)
    upstream = rng.normal(size=out.shape).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    expected = F.max_pool2d(xt, k, s, p)
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(out, expected.detach().numpy())
    np.testing.assert_allclose(
        max_pool2d_backward(upstream, x, out, k, s, p),
        xt.grad.numpy(),
        rtol=1e-6,
        atol=1e-6,
    )


def test_float32_stays_float32():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 8, 8)).astype(np.float32)
    conv = Conv2d(3, 4, 3, rng, padding=1)
    out = conv.forward(x)
    assert (
        out.dtype == np.float32 and conv.backward(np.ones_like(out)).dtype == np.float32
    )
    for pool in (MaxPool2d(2), AvgPool2d(2)):
        pooled = pool.forward(out)
        assert (
            pooled.dtype == np.float32
            and pool.backward(np.ones_like(pooled)).dtype == np.float32
        )


def test_flatten_round_trip():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    layer = Flatten()
    assert layer.forward(x).shape == (2, 60)
    np.testing.assert_array_equal(layer.backward(layer.forward(x)), x)


def test_a_small_cnn_learns_and_keeps_its_gradient_arrays():
    """Conv, pooling and dlbook.scratch.layers train together with dlbook.scratch.optim;
    the optimizer's arrays stay the layers' arrays (gradients are written in place)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 1, 8, 8)).astype(np.float32)
    # top vs bottom
    labels = (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(
        np.int64
    )
    model = Sequential(
        Conv2d(1, 4, 3, rng, padding=1, input_grad=False),
        ReLU(),
        MaxPool2d(2),
        Conv2d(4, 4, 3, rng),
        ReLU(),
        AvgPool2d(2),
        Flatten(),
        Linear(4, 2, rng),
    )
    grads_before = {k: id(v) for k, v in model.grads.items()}
    optimizer = Adam(model.params, model.grads, lr=0.01)
    losses = train_full_batch(model, optimizer, x, labels, steps=60)
    assert {k: id(v) for k, v in model.grads.items()} == grads_before
    assert losses[-1] < 0.5 * losses[0]


def test_the_cnn_layers_keep_the_convolutions_memory_layout():
    """Conv2d's output is a view of an array stored (C, H, W, N), the order of its
    columns; ReLU and the poolings keep that layout forward and backward, so that no
    element-wise step of chapter 3's network walks two arrays in different orders
    (which made its training step 1.4 times slower when the poolings made C-ordered
    copies)."""

    def stored_chwn(a):  # strides: C > H > W > N
        return a.strides[1] > a.strides[2] > a.strides[3] > a.strides[0] > 0

    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 8, 8), dtype=np.float32)
    conv = Conv2d(3, 5, 3, rng, padding=1)
    layers = [conv, ReLU(), MaxPool2d(2), ReLU()]
    out = x
    for layer in layers:
        out = layer.forward(out)
        assert stored_chwn(out), (type(layer).__name__, out.strides)
    assert stored_chwn(AvgPool2d(2).forward(out))
    grad = np.ones_like(out)  # like its array, stored (C, H, W, N)
    for layer in reversed(layers):
        grad = layer.backward(grad)
        assert stored_chwn(grad), (type(layer).__name__, grad.strides)
