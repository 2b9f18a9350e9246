"""Reference answers for the graded exercises of chapter 6 (autoencoders, VAEs), in
PyTorch (see :mod:`dlbook.grading.reference`)."""

from __future__ import annotations

import numpy as np

from dlbook.grading.numpy_only import numpy_only_checker
from dlbook.grading.reference._torch import tensor64

__all__ = [
    "FORBIDDEN",
    "elbo_loss",
    "elbo_loss_torch",
    "gaussian_kl",
    "iwae_bound",
    "numpy_only_answer",
    "reparameterize",
    "salt_and_pepper",
    "vae_loss_and_grads",
]

# What an answer may not call: torch, the chapter's own code, and these references.
FORBIDDEN = (
    "torch",
    "dlbook.scratch.autoencoder",
    "dlbook.grading.reference.autoencoder",
)


def reparameterize(mu: np.ndarray, logvar: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """``mu + exp(logvar / 2) * eps``, equation (6.9)."""
    import torch

    return (tensor64(mu) + torch.exp(0.5 * tensor64(logvar)) * tensor64(eps)).numpy()


def gaussian_kl(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row, by torch.distributions."""
    import torch

    mu_t, std = tensor64(mu), torch.exp(0.5 * tensor64(logvar))
    q = torch.distributions.Normal(mu_t, std)
    p = torch.distributions.Normal(torch.zeros_like(mu_t), torch.ones_like(std))
    return torch.distributions.kl_divergence(q, p).sum(dim=-1).numpy()


def elbo_loss_torch(x, logits, mu, logvar):
    """The negative ELBO per example on torch tensors: summed BCE with logits plus the
    KL, averaged over the batch (pytorch/examples' VAE loss over the batch size)."""
    import torch
    import torch.nn.functional as F

    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu**2 - torch.exp(logvar))
    return (bce + kl) / x.shape[0]


def elbo_loss(
    x: np.ndarray, logits: np.ndarray, mu: np.ndarray, logvar: np.ndarray
) -> float:
    """:func:`elbo_loss_torch` on NumPy arrays: a float, nats per example (6.10)."""
    return float(
        elbo_loss_torch(tensor64(x), tensor64(logits), tensor64(mu), tensor64(logvar))
    )


def salt_and_pepper(x: np.ndarray, u: np.ndarray, p: float) -> np.ndarray:
    """Salt-and-pepper corruption driven by uniform draws ``u`` (the shape of ``x``):
    entries with ``u < p / 2`` become 0, those with ``p / 2 <= u < p`` become 1, the
    others keep their value."""
    import torch

    x_t, u_t = tensor64(x), tensor64(u)
    out = torch.where(u_t < p / 2, torch.zeros_like(x_t), x_t)
    return torch.where((u_t >= p / 2) & (u_t < p), torch.ones_like(x_t), out).numpy()


def vae_loss_and_grads(
    x: np.ndarray,
    eps: np.ndarray,
    W_mu: np.ndarray,
    b_mu: np.ndarray,
    W_lv: np.ndarray,
    b_lv: np.ndarray,
    W_d: np.ndarray,
    b_d: np.ndarray,
) -> tuple:
    """The negative ELBO of a VAE with a linear encoder and decoder, and its gradients
    by torch's autograd: ``(loss, grad_W_mu, grad_b_mu, grad_W_lv, grad_b_lv,
    grad_W_d, grad_b_d)``.

    ``mu = x W_mu + b_mu``, ``logvar = x W_lv + b_lv``,
    ``z = mu + exp(logvar / 2) * eps`` (the noise ``eps`` held fixed),
    ``logits = z W_d + b_d``; the loss is :func:`elbo_loss_torch` of these.
    """
    import torch

    params = [tensor64(a, grad=True) for a in (W_mu, b_mu, W_lv, b_lv, W_d, b_d)]
    w_mu, c_mu, w_lv, c_lv, w_d, c_d = params
    x_t, eps_t = tensor64(x), tensor64(eps)
    mu, logvar = x_t @ w_mu + c_mu, x_t @ w_lv + c_lv
    z = mu + torch.exp(0.5 * logvar) * eps_t
    loss = elbo_loss_torch(x_t, z @ w_d + c_d, mu, logvar)
    grads = torch.autograd.grad(loss, params)
    return (float(loss.detach()), *(g.numpy() for g in grads))


def iwae_bound(log_w: np.ndarray) -> np.ndarray:
    """The importance-weighted bound (6.11) of each row of ``log_w`` (N, K):
    ``log (1/K) sum_k exp(log_w[n, k])``, by torch.logsumexp."""
    import torch

    log_w_t = tensor64(log_w)
    return (torch.logsumexp(log_w_t, dim=1) - np.log(log_w_t.shape[1])).numpy()


numpy_only_answer = numpy_only_checker(FORBIDDEN)
