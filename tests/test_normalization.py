"""dlbook.scratch.normalization: batch and layer normalization against torch, their
gradients against finite differences and torch.autograd in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from dlbook.scratch.normalization import (
    BatchNorm,
    LayerNorm,
    batch_norm_backward_plain,
    batch_norm_forward_plain,
    channel_sum,
    layer_norm_backward,
    layer_norm_backward_fast,
    layer_norm_forward,
    layer_norm_forward_fast,
)

from helpers import check_gradients, property_checks, seeds, t64

checks = property_checks(12)


def make_pair(shape: tuple[int, ...], rng: np.random.Generator):
    """Our BatchNorm and torch's (BatchNorm1d or 2d), the same random gamma and beta."""
    channels = shape[1]
    ours = BatchNorm(channels, dtype=np.float64)
    ours.own_params["gamma"][...] = rng.normal(size=channels)
    ours.own_params["beta"][...] = rng.normal(size=channels)
    kind = torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d
    theirs = kind(channels).double()
    with torch.no_grad():
        theirs.weight.copy_(t64(ours.own_params["gamma"]))
        theirs.bias.copy_(t64(ours.own_params["beta"]))
    return ours, theirs


SHAPES = [(5, 3), (2, 3, 4, 5), (7, 1, 1, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_forward_backward_and_running_statistics_match_torch(shape, training):
    rng = np.random.default_rng(len(shape) + 10 * training)
    ours, theirs = make_pair(shape, rng)
    for _ in range(3):  # running statistics after a few batches
        x = rng.normal(size=shape) * 2 + 1
        ours.forward(x)
        theirs(t64(x))
    np.testing.assert_allclose(
        ours.running_mean, theirs.running_mean.numpy(), atol=1e-12
    )
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), atol=1e-12)
    ours.train(training)
    theirs.train(training)
    x, upstream = rng.normal(size=shape) * 3 - 1, rng.normal(size=shape)
    x_t = t64(x, grad=True)
    out_t = theirs(x_t)
    (out_t * t64(upstream)).sum().backward()
    np.testing.assert_allclose(ours.forward(x), out_t.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.backward(upstream), x_t.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(
        ours.own_grads["gamma"], theirs.weight.grad.numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        ours.own_grads["beta"], theirs.bias.grad.numpy(), atol=1e-12
    )


@pytest.mark.parametrize("shape", SHAPES[:2])
@pytest.mark.parametrize("training", [True, False])
def test_backward_three_ways(shape, training):
    rng = np.random.default_rng(3)
    layer, _ = make_pair(shape, rng)
    layer.forward(rng.normal(size=shape))  # running statistics for evaluation mode
    layer.train(training)
    x, upstream = rng.normal(size=shape), rng.normal(size=shape)
    layer.forward(x)
    grad_x = layer.backward(upstream)
    axes, channel = layer._axes(x)

    def loss(x, gamma, beta):
        layer.own_params["gamma"][...] = gamma
        layer.own_params["beta"][...] = beta
        return float(np.sum(layer.forward(x) * upstream))

    def torch_loss(x, gamma, beta):
        if training:
            mean, var = x.mean(dim=axes, keepdim=True), x.var(axes, False, True)
        else:
            mean, var = t64(layer.running_mean), t64(layer.running_var)
        x_hat = (x - mean.reshape(channel)) / torch.sqrt(var.reshape(channel) + 1e-5)
        y = gamma.reshape(channel) * x_hat + beta.reshape(channel)
        return (y * t64(upstream)).sum()

    inputs = {"x": x} | {k: v.copy() for k, v in layer.own_params.items()}
    grads = {"x": grad_x} | {k: v.copy() for k, v in layer.own_grads.items()}
    check_gradients(loss, torch_loss, inputs, grads)


def test_evaluation_output_does_not_depend_on_the_batch():
    rng = np.random.default_rng(4)
    layer = BatchNorm(3, dtype=np.float64)
    for _ in range(5):
        layer.forward(rng.normal(size=(16, 3, 2, 2)))
    layer.eval()
    batch = rng.normal(size=(4, 3, 2, 2))
    alone = layer.forward(batch[:1])
    np.testing.assert_allclose(layer.forward(batch)[:1], alone, atol=1e-15)


def test_float32_stays_float32_and_bad_input_is_refused():
    layer = BatchNorm(2)
    out = layer.forward(np.ones((4, 2, 3, 3), dtype=np.float32))
    assert out.dtype == np.float32
    assert layer.backward(np.ones_like(out)).dtype == np.float32
    with pytest.raises(ValueError, match=r"\(N, C\) or \(N, C, H, W\)"):
        layer.forward(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="more than one value per channel"):
        layer.forward(np.ones((1, 2)))


# --- LayerNorm ------------------------------------------------------------------------


@checks
# d >= 3: with two features the normalized values are +-1 whatever x is, so dL/dx is of
# the order of eps and its relative error against finite differences means nothing
@given(st.integers(1, 3), st.integers(1, 4), st.integers(3, 7), seeds)
def test_layer_norm_forward_and_backward(n, steps, d, seed):
    rng = np.random.default_rng(seed)
    x, gamma, beta = (
        rng.normal(size=(n, steps, d)),
        rng.normal(size=d),
        rng.normal(size=d),
    )
    out, cache = layer_norm_forward(x, gamma, beta)
    theirs = F.layer_norm(t64(x), (d,), t64(gamma), t64(beta), eps=1e-5)
    np.testing.assert_allclose(out, theirs.numpy(), atol=1e-12)
    g = rng.normal(size=out.shape)
    grad_x, grad_gamma, grad_beta = layer_norm_backward(g, cache)
    check_gradients(
        lambda x, gamma, beta: float(np.sum(layer_norm_forward(x, gamma, beta)[0] * g)),
        lambda x, gamma, beta: (F.layer_norm(x, (d,), gamma, beta) * t64(g)).sum(),
        {"x": x, "gamma": gamma, "beta": beta},
        {"x": grad_x, "gamma": grad_gamma, "beta": grad_beta},
    )


def test_layer_norm_layer_writes_gradients_in_place():
    rng = np.random.default_rng(3)
    layer = LayerNorm(5, dtype=np.float64)
    grad_gamma = layer.grads["gamma"]
    x = rng.normal(size=(2, 3, 5))
    layer.forward(x)
    layer.backward(np.ones_like(x))
    assert layer.grads["gamma"] is grad_gamma
    np.testing.assert_allclose(layer.grads["beta"], 6.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_layer_norm_is_the_plain_one(dtype):
    """layer_norm_forward_fast and layer_norm_backward_fast (what LayerNorm runs) give
    the plain functions' numbers, in the input's precision, also into a buffer."""
    rng = np.random.default_rng(5)
    x, g = (rng.normal(size=(3, 4, 9)).astype(dtype) * 3 + 1 for _ in range(2))
    gamma, beta = (rng.normal(size=9).astype(dtype) for _ in range(2))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    out, cache = layer_norm_forward(x, gamma, beta)
    buffer = np.empty_like(x)
    fast_out, fast_cache = layer_norm_forward_fast(x, gamma, beta, x_hat=buffer)
    assert fast_cache[0] is buffer and fast_out.dtype == dtype
    np.testing.assert_allclose(fast_out, out, atol=tol)
    for ours, theirs in zip(
        layer_norm_backward_fast(g, fast_cache),
        layer_norm_backward(g, cache),
        strict=True,
    ):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs, atol=tol * 10)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2, 5), (4, 3, 10)])
def test_channel_sum_is_the_sum_over_every_axis_but_the_channels(shape):
    x = np.random.default_rng(6).normal(size=shape)
    axes = tuple(a for a in range(len(shape)) if a != 1)
    np.testing.assert_allclose(channel_sum(x), x.sum(axis=axes), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5, 6)])
def test_plain_batch_norm_is_the_layer(shape, dtype):
    """batch_norm_forward_plain and batch_norm_backward_plain (chapter 3's plain
    formulation, timed there against the layer) give BatchNorm's numbers in training
    mode, in the input's precision."""
    rng = np.random.default_rng(7)
    x, g = (rng.normal(size=shape).astype(dtype) * 3 + 2 for _ in range(2))
    layer = BatchNorm(shape[1], dtype=dtype)
    layer.own_params["gamma"][...] = rng.normal(size=shape[1])
    layer.own_params["beta"][...] = rng.normal(size=shape[1])
    gamma, beta = layer.own_params["gamma"], layer.own_params["beta"]
    tol = 1e-12 if dtype == np.float64 else 1e-5
    out, cache = batch_norm_forward_plain(x, gamma, beta)
    np.testing.assert_allclose(layer.forward(x), out, rtol=tol, atol=tol)
    grad_x, grad_gamma, grad_beta = batch_norm_backward_plain(g, cache)
    np.testing.assert_allclose(layer.backward(g), grad_x, rtol=tol, atol=tol)
    for name, expected in (("gamma", grad_gamma), ("beta", grad_beta)):
        np.testing.assert_allclose(layer.grads[name], expected, rtol=tol, atol=tol * 10)
    assert {a.dtype for a in (out, grad_x, grad_gamma, grad_beta)} == {np.dtype(dtype)}


def test_fast_layer_norm_is_the_plain_one_in_float32_at_the_benchmark_shape():
    """At the benchmark's shape (32, 64, 128), on inputs of mean 5 and spread 3 (not
    centred: the variance has to be taken without cancellation), the fast pair matches
    the plain one computed in float64, to float32's precision, and stays float32."""
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((32, 64, 128)) * 3 + 5).astype(np.float32)
    g = rng.standard_normal((32, 64, 128)).astype(np.float32)
    gamma, beta = (rng.normal(size=128).astype(np.float32) for _ in range(2))
    out, cache = layer_norm_forward_fast(x, gamma, beta)
    exact_out, exact_cache = layer_norm_forward(
        x.astype(np.float64), gamma.astype(np.float64), beta.astype(np.float64)
    )
    plain_out, plain_cache = layer_norm_forward(x, gamma, beta)
    assert out.dtype == np.float32 and cache[0].dtype == np.float32
    np.testing.assert_allclose(out, exact_out, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out, plain_out, rtol=1e-4, atol=1e-4)
    fast = layer_norm_backward_fast(g, cache)
    exact = layer_norm_backward(g.astype(np.float64), exact_cache)
    plain = layer_norm_backward(g, plain_cache)
    for ours, theirs, plain_one in zip(fast, exact, plain, strict=True):
        assert ours.dtype == np.float32
        scale = np.abs(theirs).max()
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5 * scale)
        np.testing.assert_allclose(ours, plain_one, rtol=1e-4, atol=1e-5 * scale)
