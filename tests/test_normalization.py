"""dlbook.scratch.normalization: batch normalization against torch and finite
differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.scratch.normalization import BatchNorm

from helpers import TOLERANCE, t64


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
def test_backward_against_finite_differences(shape):
    rng = np.random.default_rng(3)
    layer, _ = make_pair(shape, rng)
    x, upstream = rng.normal(size=shape), rng.normal(size=shape)
    layer.forward(x)
    analytic = layer.backward(upstream)
    gamma = layer.own_params["gamma"].copy()

    def loss(values: np.ndarray) -> float:
        return float(np.sum(layer.forward(values) * upstream))

    assert relative_error(analytic, numerical_gradient(loss, x.copy())) < TOLERANCE

    def loss_gamma(values: np.ndarray) -> float:
        layer.own_params["gamma"][...] = values
        return float(np.sum(layer.forward(x) * upstream))

    layer.forward(x)
    layer.backward(upstream)
    grad_gamma = layer.own_grads["gamma"].copy()
    numerical = numerical_gradient(loss_gamma, gamma.copy())
    assert relative_error(grad_gamma, numerical) < TOLERANCE


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
