"""dlbook.scratch.autoencoder: every gradient against finite differences and
torch.autograd in float64; the NumPy autoencoder and VAE against torch models with the
same weights; the exercise references of chapter 6 against the scratch code."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.grading.reference import autoencoder as reference
from dlbook.scratch.autoencoder import (
    VAE,
    Autoencoder,
    bernoulli_nll,
    gaussian_kl,
    masking_noise,
    mse_loss,
    reparameterize,
    reparameterize_backward,
)
from dlbook.scratch.optim import Adam
from dlbook.training import fit_numpy

from helpers import TOLERANCE, check_gradients, property_checks, seeds, t64

checks = property_checks(10)
shapes = st.tuples(st.integers(1, 5), st.integers(1, 6))  # (N, latent or features)


@checks
@given(shape=shapes, seed=seeds)
def test_mse_loss_and_gradient(shape, seed):
    rng = np.random.default_rng(seed)
    out, target = rng.normal(size=shape), rng.random(shape)
    loss, grad = mse_loss(out, target)
    assert loss == pytest.approx(F.mse_loss(t64(out), t64(target)).item(), rel=1e-12)
    check_gradients(
        lambda out: mse_loss(out, target)[0],
        lambda out: F.mse_loss(out, t64(target)),
        {"out": out},
        {"out": grad},
    )


def torch_gaussian_kl(mu, logvar):
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.distributions.kl_divergence(q, p).sum(dim=-1)


@checks
@given(shape=shapes, seed=seeds)
def test_gaussian_kl_matches_torch_and_its_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    mu, logvar = rng.normal(size=shape), rng.normal(size=shape)
    kl, grad_mu, grad_logvar = gaussian_kl(mu, logvar)
    expected = torch_gaussian_kl(t64(mu), t64(logvar)).numpy()
    np.testing.assert_allclose(kl, expected, rtol=1e-10, atol=1e-12)
    assert np.all(kl >= 0)
    check_gradients(
        lambda mu, logvar: gaussian_kl(mu, logvar)[0].sum(),
        lambda mu, logvar: torch_gaussian_kl(mu, logvar).sum(),
        {"mu": mu, "logvar": logvar},
        {"mu": grad_mu, "logvar": grad_logvar},
    )


def test_gaussian_kl_is_zero_only_at_the_prior():
    kl, _, _ = gaussian_kl(np.zeros((2, 3)), np.zeros((2, 3)))
    assert np.array_equal(kl, np.zeros(2))
    assert gaussian_kl(np.full((1, 3), 0.1), np.zeros((1, 3)))[0][0] > 0


@checks
@given(shape=shapes, seed=seeds)
def test_reparameterize_and_its_backward(shape, seed):
    rng = np.random.default_rng(seed)
    mu, logvar, eps, upstream = (rng.normal(size=shape) for _ in range(4))
    z = reparameterize(mu, logvar, eps)
    grad_mu, grad_logvar = reparameterize_backward(upstream, logvar, eps)

    def torch_z(mu, logvar):
        return mu + torch.exp(0.5 * logvar) * t64(eps)

    np.testing.assert_allclose(z, torch_z(t64(mu), t64(logvar)).numpy(), rtol=1e-12)
    check_gradients(
        lambda mu, logvar: float(np.sum(reparameterize(mu, logvar, eps) * upstream)),
        lambda mu, logvar: (torch_z(mu, logvar) * t64(upstream)).sum(),
        {"mu": mu, "logvar": logvar},
        {"mu": grad_mu, "logvar": grad_logvar},
    )


@checks
@given(shape=shapes, seed=seeds, scale=st.sampled_from([1.0, 30.0, 800.0]))
def test_bernoulli_nll_is_stable_and_matches_torch(shape, seed, scale):
    rng = np.random.default_rng(seed)
    logits, x = rng.normal(size=shape) * scale, rng.random(shape)
    nll, grad = bernoulli_nll(logits, x)

    def torch_nll(logits):
        return F.binary_cross_entropy_with_logits(logits, t64(x), reduction="none").sum(
            dim=-1
        )

    assert np.all(np.isfinite(nll)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(nll, torch_nll(t64(logits)).numpy(), rtol=1e-10)
    # finite differences only where the logits are moderate (float64 rounds the rest)
    check_gradients(
        lambda logits: bernoulli_nll(logits, x)[0].sum(),
        lambda logits: torch_nll(logits).sum(),
        {"logits": logits},
        {"logits": grad},
        tolerance=TOLERANCE if scale == 1.0 else np.inf,
    )


def torch_autoencoder(model: Autoencoder) -> nn.Sequential:
    """The same network in torch, with the NumPy model's weights (float64)."""
    modules = []
    for part in (model.encoder, model.decoder):
        for layer in part.layers:
            if "W" in layer.own_params:
                linear = nn.Linear(*layer.own_params["W"].shape).double()
                with torch.no_grad():
                    linear.weight.copy_(t64(layer.own_params["W"].T))
                    linear.bias.copy_(t64(layer.own_params["b"]))
                modules.append(linear)
            else:
                modules.append(
                    nn.ReLU() if type(layer).__name__ == "ReLU" else nn.Sigmoid()
                )
    return nn.Sequential(*modules)


@pytest.mark.parametrize(
    "sizes, activation", [((7, 5, 3), True), ((6, 2), True), ((8, 3), False)]
)
def test_autoencoder_matches_torch_with_the_same_weights(sizes, activation):
    rng = np.random.default_rng(0)
    model = Autoencoder(sizes, rng, dtype=np.float64, activation=activation)
    for name, param in model.params.items():
        if name.endswith("b"):
            param[...] = rng.normal(size=param.shape) * 0.1
    x = rng.random((4, sizes[0]))
    loss, grad = mse_loss(model.forward(x), x)
    model.backward(grad)
    torch_model = torch_autoencoder(model)
    out_t = torch_model(t64(x))
    F.mse_loss(out_t, t64(x)).backward()
    np.testing.assert_allclose(model.forward(x), out_t.detach().numpy(), rtol=1e-12)
    torch_grads = [p.grad.numpy() for p in torch_model.parameters()]
    ours = [
        g.T if name.endswith("W") else g for name, g in model.grads.items()
    ]  # torch stores W^T
    assert len(ours) == len(torch_grads)
    for a, b in zip(ours, torch_grads, strict=True):
        assert relative_error(a, b) < 1e-12
    assert model.encode(x).shape == (4, sizes[-1])


def test_autoencoder_gradients_against_finite_differences():
    rng = np.random.default_rng(1)
    model = Autoencoder((6, 4, 2), rng, dtype=np.float64)
    x = rng.random((3, 6))
    model.backward(mse_loss(model.forward(x), x)[1])
    for name, param in model.params.items():
        numerical = numerical_gradient(
            lambda _: mse_loss(model.forward(x), x)[0], param
        )
        assert relative_error(model.grads[name], numerical) < TOLERANCE, name


def test_autoencoder_structure_and_training():
    rng = np.random.default_rng(2)
    model = Autoencoder((784, 128, 32), rng)
    assert [type(layer).__name__ for layer in model.encoder.layers] == [
        "Linear",
        "ReLU",
        "Linear",
    ]
    assert [type(layer).__name__ for layer in model.decoder.layers] == [
        "Linear",
        "ReLU",
        "Linear",
        "Sigmoid",
    ]
    assert len(model.params) == 8 and model.params["encoder.0.W"].shape == (784, 128)
    linear = Autoencoder((10, 3), rng, activation=False, sigmoid_output=False)
    assert [type(layer).__name__ for layer in linear.decoder.layers] == ["Linear"]
    with pytest.raises(ValueError):
        Autoencoder((10,), rng)
    data = (rng.random((256, 16)) > 0.5).astype(np.float32)
    small = Autoencoder((16, 8), rng)
    before = mse_loss(small.forward(data), data)[0]
    history = fit_numpy(
        small,
        Adam(small.params, small.grads, lr=1e-2),
        data,
        data,
        epochs=5,
        batch_size=32,
        rng=rng,
        loss_fn=mse_loss,
    )
    assert history["train_loss"][-1] < 0.8 * before


def test_masking_noise():
    rng = np.random.default_rng(3)
    x = rng.random((200, 50)) + 0.1
    original = x.copy()
    noisy = masking_noise(x, 0.3, rng)
    assert np.array_equal(x, original)
    kept = noisy != 0
    assert np.array_equal(noisy[kept], x[kept])
    assert 0.28 < 1 - kept.mean() < 0.32
    assert np.array_equal(masking_noise(x, 0.0, rng), x)
    with pytest.raises(ValueError):
        masking_noise(x, 1.0, rng)


def torch_vae(model: VAE):
    """The loss of the same VAE in torch (float64, the NumPy model's weights)."""

    def linear(layer):
        return t64(layer.own_params["W"], True), t64(layer.own_params["b"], True)

    params = {
        "hidden": linear(model.hidden.layers[0]),
        "mu": linear(model.to_mu),
        "logvar": linear(model.to_logvar),
        "dec1": linear(model.decoder.layers[0]),
        "dec2": linear(model.decoder.layers[2]),
    }

    def loss(x, eps):
        h = torch.relu(x @ params["hidden"][0] + params["hidden"][1])
        mu = h @ params["mu"][0] + params["mu"][1]
        logvar = h @ params["logvar"][0] + params["logvar"][1]
        z = mu + torch.exp(0.5 * logvar) * eps
        d = torch.relu(z @ params["dec1"][0] + params["dec1"][1])
        logits = d @ params["dec2"][0] + params["dec2"][1]
        return reference.elbo_loss_torch(x, logits, mu, logvar)

    return loss, params


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vae_gradients_against_torch_and_finite_differences(seed):
    rng = np.random.default_rng(seed)
    model = VAE(7, 5, 3, rng, dtype=np.float64)
    x, eps = rng.random((4, 7)), rng.normal(size=(4, 3))
    loss, recon, kl = model.loss_and_backward(x, eps)
    analytic = {name: grad.copy() for name, grad in model.grads.items()}
    assert loss == pytest.approx(recon + kl) and kl > 0
    torch_loss, torch_params = torch_vae(model)
    value = torch_loss(t64(x), t64(eps))
    value.backward()
    assert loss == pytest.approx(value.item(), rel=1e-12)
    layers = {
        "hidden": "hidden.0",
        "mu": "to_mu",
        "logvar": "to_logvar",
        "dec1": "decoder.0",
        "dec2": "decoder.2",
    }
    for key, prefix in layers.items():
        for i, name in enumerate(("W", "b")):
            ours = analytic[f"{prefix}.{name}"]
            assert relative_error(ours, torch_params[key][i].grad.numpy()) < 1e-12
            numerical = numerical_gradient(
                lambda _: model.loss_and_backward(x, eps)[0],
                model.params[f"{prefix}.{name}"],
            )
            assert relative_error(ours, numerical) < TOLERANCE, f"{key}.{name}"
    assert model.forward(x).shape == (4, 7)
    assert len(model.params) == 10


@checks
@given(shape=shapes, seed=seeds)
def test_references_agree_with_the_scratch_code(shape, seed):
    rng = np.random.default_rng(seed)
    mu, logvar, eps = (rng.normal(size=shape) for _ in range(3))
    x, logits = rng.random(shape), rng.normal(size=shape) * 5
    np.testing.assert_allclose(
        reference.reparameterize(mu, logvar, eps),
        reparameterize(mu, logvar, eps),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        reference.gaussian_kl(mu, logvar), gaussian_kl(mu, logvar)[0], rtol=1e-10
    )
    expected = np.mean(bernoulli_nll(logits, x)[0] + gaussian_kl(mu, logvar)[0])
    assert reference.elbo_loss(x, logits, mu, logvar) == pytest.approx(
        expected, rel=1e-10
    )


def test_salt_and_pepper_reference():
    rng = np.random.default_rng(4)
    x, u = rng.random((30, 40)), rng.random((30, 40))
    out = reference.salt_and_pepper(x, u, 0.2)
    assert np.array_equal(out[u < 0.1], np.zeros(np.sum(u < 0.1)))
    assert np.array_equal(
        out[(u >= 0.1) & (u < 0.2)], np.ones(np.sum((u >= 0.1) & (u < 0.2)))
    )
    assert np.array_equal(out[u >= 0.2], x[u >= 0.2])
    assert np.array_equal(reference.salt_and_pepper(x, u, 0.0), x)
