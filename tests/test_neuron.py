"""dlbook.scratch.neuron (chapter 1): every function against torch or NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlbook.scratch.neuron import (
    binary_cross_entropy_with_logits,
    fit_linear_regression_gd,
    fit_logistic_regression_gd,
    linear_regression_closed_form,
    mse,
    perceptron_train,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)

from helpers import t64

# Inputs with both signs, zero, and magnitudes where a naive formula overflows.
Z = np.concatenate(
    [np.random.default_rng(0).normal(scale=4, size=50), [0.0, -800.0, 800.0, 30.0]]
)


@pytest.mark.parametrize(
    "ours, grad, theirs",
    [
        (sigmoid, sigmoid_grad, torch.sigmoid),
        (tanh, tanh_grad, torch.tanh),
        (relu, relu_grad, torch.relu),
    ],
    ids=["sigmoid", "tanh", "relu"],
)
def test_activation_and_its_gradient_match_torch(ours, grad, theirs):
    zt = t64(Z, grad=True)
    out = theirs(zt)
    out.sum().backward()  # d(sum)/dz_i = f'(z_i): the element-wise derivative
    with np.errstate(over="raise"):
        np.testing.assert_allclose(ours(Z), out.detach().numpy(), rtol=1e-12, atol=0)
        np.testing.assert_allclose(grad(Z), zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_relu_gradient_at_zero_is_zero_as_in_torch():
    zt = t64(np.zeros(3), grad=True)
    torch.relu(zt).sum().backward()
    np.testing.assert_array_equal(relu_grad(np.zeros(3)), zt.grad.numpy())


def test_mse_matches_torch():
    rng = np.random.default_rng(1)
    y_hat, y = rng.normal(size=20), rng.normal(size=20)
    expected = torch.nn.functional.mse_loss(t64(y_hat), t64(y)).item()
    assert mse(y_hat, y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_binary_cross_entropy_with_logits_matches_torch(scale):
    """Huge logits (scale 1e4) neither overflow nor take the log of 0."""
    rng = np.random.default_rng(2)
    z, y = rng.normal(scale=scale, size=40), rng.integers(0, 2, size=40).astype(float)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(t64(z), t64(y))
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        got = binary_cross_entropy_with_logits(z, y)
    assert np.isfinite(got)
    assert got == pytest.approx(expected.item(), rel=1e-12)


def test_closed_form_linear_regression_matches_lstsq():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.7 + rng.normal(scale=0.1, size=30)
    w, b = linear_regression_closed_form(X, y)
    X1 = np.hstack([X, np.ones((30, 1))])
    theta, *_ = np.linalg.lstsq(X1, y, rcond=None)
    np.testing.assert_allclose(w, theta[:-1], rtol=1e-10)
    assert b == pytest.approx(theta[-1], rel=1e-10)


def torch_gd(X, y, loss_fn, lr, steps, w0, b0):
    """Full-batch torch.optim.SGD on ``loss_fn(X w + b, y)``: (w, b, losses)."""
    w = t64(w0, grad=True)
    b = t64(np.array(b0), grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    Xt, yt = t64(X), t64(y)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(Xt @ w + b, yt)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return w.detach().numpy(), b.item(), losses


@pytest.mark.parametrize(
    "fit, loss_fn, lr",
    [
        (fit_linear_regression_gd, torch.nn.functional.mse_loss, 0.05),
        (
            fit_logistic_regression_gd,
            torch.nn.functional.binary_cross_entropy_with_logits,
            0.5,
        ),
    ],
    ids=["linear", "logistic"],
)
def test_gradient_descent_follows_torch_sgd(fit, loss_fn, lr):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(25, 3))
    y = (X @ np.array([1.0, -1.0, 2.0]) + rng.normal(size=25) > 0).astype(float)
    w0, b0 = rng.normal(size=3), 0.3
    w, b, losses = fit(X, y, lr=lr, steps=40, w0=w0, b0=b0)
    w_t, b_t, losses_t = torch_gd(X, y, loss_fn, lr, 40, w0, b0)
    np.testing.assert_allclose(losses, losses_t, rtol=1e-10)
    np.testing.assert_allclose(w, w_t, rtol=1e-10, atol=1e-12)
    assert b == pytest.approx(b_t, rel=1e-10, abs=1e-12)
    assert losses[-1] < losses[0]


def test_gradient_descent_starts_from_zero_and_leaves_w0_alone():
    X, y = np.eye(2), np.array([1.0, 0.0])
    w0 = np.array([0.5, 0.5])
    fit_linear_regression_gd(X, y, lr=0.1, steps=3, w0=w0)
    np.testing.assert_array_equal(w0, [0.5, 0.5])
    _, _, losses = fit_logistic_regression_gd(X, y, lr=0.1, steps=1)
    assert losses[0] == pytest.approx(np.log(2))  # w = 0, b = 0: σ(0) = 1/2


def test_perceptron_converges_on_a_separable_set():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 2))
    margin = X @ np.array([2.0, -1.0]) + 0.5
    X, y = X[np.abs(margin) > 0.2], (margin[np.abs(margin) > 0.2] > 0).astype(float)
    w, b, mistakes = perceptron_train(X, y, epochs=100)
    assert mistakes[-1] == 0 and len(mistakes) < 100
    np.testing.assert_array_equal((X @ w + b > 0).astype(float), y)


def test_perceptron_never_converges_on_xor():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    _, _, mistakes = perceptron_train(X, y, epochs=50)
    assert len(mistakes) == 50 and min(mistakes) > 0
