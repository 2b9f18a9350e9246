"""Reference answers for the graded exercises of chapter 6 (autoencoders, VAEs).

Each reference is the computation written with torch (float64), so the exercise checks
never hold the NumPy solution. The chapter's answers must be NumPy only:
:data:`FORBIDDEN` lists what they may not use (see
:func:`dlbook.grading.numpy_only_answer`).
"""

from __future__ import annotations

import numpy as np

from dlbook.grading.numpy_only import numpy_only_checker
from dlbook.grading.reference._torch import tensor64

__all__ = [
    "FORBIDDEN",
    "elbo_loss",
    "elbo_loss_torch",
    "gaussian_kl",
    "numpy_only_answer",
    "reparameterize",
    "salt_and_pepper",
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


numpy_only_answer = numpy_only_checker(FORBIDDEN)
