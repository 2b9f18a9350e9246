"""Autoencoders and the pieces of a variational autoencoder, in NumPy (chapter 6).

* :class:`Autoencoder`: an encoder and a decoder built from the layers of chapter 2
  (``Linear``, ``ReLU``, ``Sigmoid`` in ``Sequential``), itself a
  :class:`~dlbook.scratch.layers.Layer`, so that its parameters, ``train()`` and
  ``eval()`` recurse;
* :func:`mse_loss`: the mean squared error per pixel and its gradient, in the
  ``(loss, grad)`` form of :func:`dlbook.training.fit_numpy`;
* :func:`masking_noise`: the corruption of a denoising autoencoder;
* the VAE's pieces, each with its backward pass: :func:`reparameterize` (6.9),
  :func:`gaussian_kl` (6.8), :func:`bernoulli_nll` (the summed binary cross-entropy of
  (6.7)), and :class:`VAE`, whose :meth:`VAE.loss_and_backward` computes the negative
  ELBO (6.10) of a batch and fills every gradient.

Batches are rows ``(N, features)``, as in chapter 2. Equations: chapter 6.
"""

from __future__ import annotations

import numpy as np

from dlbook.scratch.layers import Layer, Linear, ReLU, Sequential, Sigmoid
from dlbook.scratch.neuron import sigmoid

__all__ = [
    "VAE",
    "Autoencoder",
    "bernoulli_nll",
    "gaussian_kl",
    "masking_noise",
    "mse_loss",
    "reparameterize",
    "reparameterize_backward",
]


class Autoencoder(Layer):
    """A dense autoencoder ``sizes[0] -> ... -> sizes[-1] -> ... -> sizes[0]``.

    The encoder has ReLU between its linear layers and a linear code layer; the decoder
    mirrors it, with a sigmoid at the output (pixels lie in [0, 1]) unless
    ``sigmoid_output=False``.
    ``activation=False`` drops the ReLUs: a linear autoencoder, whose optimum is PCA.
    """

    def __init__(
        self,
        sizes: tuple[int, ...],
        rng: np.random.Generator,
        dtype=np.float32,
        activation: bool = True,
        sigmoid_output: bool = True,
    ):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"sizes needs an input and a code size, got {sizes}")
        self.encoder = self._stack(sizes, rng, dtype, activation, first=True)
        self.decoder = self._stack(sizes[::-1], rng, dtype, activation, first=False)
        if sigmoid_output:
            self.decoder.layers.append(Sigmoid())

    @staticmethod
    def _stack(sizes, rng, dtype, activation: bool, first: bool) -> Sequential:
        """Linear layers between ``sizes``, ReLU (He init) after all but the last."""
        layers: list[Layer] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            relu_follows = activation and i < len(sizes) - 2
            init = "he" if relu_follows else "xavier"
            input_grad = i > 0 or not first  # the images need no gradient
            layers.append(Linear(n_in, n_out, rng, init, dtype, input_grad))
            if relu_follows:
                layers.append(ReLU())
        return Sequential(*layers)

    def encode(self, x: np.ndarray) -> np.ndarray:
        return self.encoder.forward(x)  # (6.1): the code h = f(x), (N, code)

    def decode(self, code: np.ndarray) -> np.ndarray:
        return self.decoder.forward(code)  # (6.1): the reconstruction g(h), (N, input)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.decode(self.encode(x))

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        return self.encoder.backward(self.decoder.backward(grad))


def mse_loss(output: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over every entry (per pixel), and its gradient."""
    diff = output - target
    return float(np.mean(diff**2)), (2 / diff.size) * diff  # (6.2)


def masking_noise(x: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``x`` with each entry set to 0 with probability ``p``."""
    if not 0 <= p < 1:
        raise ValueError(f"the masking probability p must be in [0, 1), got {p}")
    keep = rng.random(x.shape) >= p
    return x * keep.astype(x.dtype)


def reparameterize(mu: np.ndarray, logvar: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """``z = mu + sigma * eps`` with ``sigma = exp(logvar / 2)``: a sample of
    N(mu, sigma^2) written as a differentiable function of mu and logvar (6.9)."""
    return mu + np.exp(0.5 * logvar) * eps


def reparameterize_backward(
    grad_z: np.ndarray, logvar: np.ndarray, eps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dmu, dL/dlogvar)`` from ``dL/dz``: dz/dmu = 1, dz/dlogvar = sigma eps/2."""
    return grad_z, grad_z * 0.5 * np.exp(0.5 * logvar) * eps


def gaussian_kl(
    mu: np.ndarray, logvar: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """KL(N(mu, diag sigma^2) || N(0, I)) per row, and its gradients (6.8).

    Returns ``(kl, dkl/dmu, dkl/dlogvar)``: ``kl`` has shape ``(N,)``; the gradients
    are those of ``kl.sum()``: ``mu`` and ``(exp(logvar) - 1) / 2``.
    """
    var = np.exp(logvar)
    kl = 0.5 * np.sum(mu**2 + var - 1 - logvar, axis=-1)  # (6.8)
    return kl, mu.copy(), 0.5 * (var - 1)


def bernoulli_nll(logits: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``-log p(x | z)`` per row for Bernoulli pixels of these logits; its gradient.

    The summed binary cross-entropy ``sum_j softplus(l_j) - x_j l_j`` (stable for any
    finite logit) of shape ``(N,)``, and the gradient of its sum, ``sigmoid(l) - x``.
    """
    softplus = np.maximum(logits, 0) + np.log1p(np.exp(-np.abs(logits)))
    nll = np.sum(softplus - x * logits, axis=-1)
    return nll, sigmoid(logits) - x


class VAE(Layer):
    """The VAE of Kingma and Welling: ``n_in - n_hidden - n_latent - n_hidden - n_in``.

    The encoder maps ``x`` to the mean and log-variance of q(z | x); the decoder maps
    ``z`` to the logits of Bernoulli pixels. :meth:`loss_and_backward` takes the noise
    ``eps`` (N, n_latent) as an argument, so that a step is a deterministic function.
    """

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_latent: int,
        rng: np.random.Generator,
        dtype=np.float32,
    ):
        super().__init__()
        self.hidden = Sequential(
            Linear(n_in, n_hidden, rng, dtype=dtype, input_grad=False), ReLU()
        )
        self.to_mu = Linear(n_hidden, n_latent, rng, "xavier", dtype)
        self.to_logvar = Linear(n_hidden, n_latent, rng, "xavier", dtype)
        self.decoder = Sequential(
            Linear(n_latent, n_hidden, rng, dtype=dtype),
            ReLU(),
            Linear(n_hidden, n_in, rng, "xavier", dtype),
        )

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = self.hidden.forward(x)
        return self.to_mu.forward(h), self.to_logvar.forward(h)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The logits of the reconstruction through the mean code (no sampling)."""
        return self.decoder.forward(self.encode(x)[0])

    def loss_and_backward(
        self, x: np.ndarray, eps: np.ndarray
    ) -> tuple[float, float, float]:
        """The negative ELBO per example (6.10), its reconstruction and KL parts.

        Fills every gradient.

        ``loss = mean_n [ -log p(x_n | z_n) + KL(q(z | x_n) || p(z)) ]`` with
        ``z_n = mu_n + sigma_n eps_n``.
        """
        n = len(x)
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, eps)  # (6.9)
        logits = self.decoder.forward(z)
        nll, grad_logits = bernoulli_nll(logits, x)  # (6.7)
        kl, grad_mu_kl, grad_logvar_kl = gaussian_kl(mu, logvar)  # (6.8)
        grad_z = self.decoder.backward(grad_logits / n)
        grad_mu, grad_logvar = reparameterize_backward(grad_z, logvar, eps)
        grad_h = self.to_mu.backward(grad_mu + grad_mu_kl / n)
        grad_h = grad_h + self.to_logvar.backward(grad_logvar + grad_logvar_kl / n)
        self.hidden.backward(grad_h)
        recon, kl_mean = float(nll.mean()), float(kl.mean())
        return recon + kl_mean, recon, kl_mean
