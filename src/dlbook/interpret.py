"""Attribution maps for torch image classifiers: saliency,
Grad-CAM and integrated gradients (chapter 3).

Each function takes a model that maps ``(N, C, H, W)`` images to ``(N, classes)``
logits, explains the logit of a target class (by default the predicted one) and returns
NumPy arrays. The model is put in eval mode and its parameters are left untouched.
Equation numbers refer to chapter 3.

* :func:`saliency` (Simonyan et al., 2014): the gradient of the class score with respect
  to the pixels (3.16), in absolute value and maximized over channels.
* :func:`grad_cam` (Selvaraju et al., 2017): a weighted sum of the feature maps of one
  convolutional layer, weighted by the spatial mean of their gradients, through a ReLU
  (3.17)-(3.18).
* :func:`integrated_gradients` (Sundararajan et al., 2017): the gradient averaged along
  the straight path from a baseline image to the input, times the difference (3.19); the
  attributions add up to the change of the score (3.20), which
  :func:`integrated_gradients` reports.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "activations_and_gradients",
    "grad_cam",
    "integrated_gradients",
    "saliency",
    "upsample",
]


def _as_tensor(x, model):
    import torch

    dtype = next(model.parameters()).dtype
    # a copy: the caller's array is never shared
    return torch.tensor(np.asarray(x), dtype=dtype)


def _targets(logits, target):
    import torch

    if target is None:
        return logits.argmax(dim=1)
    return torch.as_tensor(np.array(np.broadcast_to(target, (len(logits),)))).long()


def _score(logits, targets):
    """The sum over the batch of each image's target logit:
    its gradient is per image."""
    return logits.gather(1, targets[:, None]).sum()


def saliency(model, x: np.ndarray, target=None) -> np.ndarray:
    """``max_c |d score / d x_c|``: ``(N, H, W)`` (3.16)."""
    import torch

    model.eval()
    inputs = _as_tensor(x, model).requires_grad_(True)
    logits = model(inputs)
    (grad,) = torch.autograd.grad(_score(logits, _targets(logits, target)), inputs)
    return grad.abs().amax(dim=1).detach().numpy()


def activations_and_gradients(
    model, layer, x: np.ndarray, target=None
) -> tuple[np.ndarray, np.ndarray]:
    """The output of ``layer`` (a module inside ``model``) on ``x`` and the gradient of
    the target score with respect to it: two ``(N, C, h, w)`` arrays. A forward hook
    captures the activations."""
    import torch

    model.eval()
    captured = []
    handle = layer.register_forward_hook(
        lambda module, inputs, output: captured.append(output)
    )
    try:
        logits = model(_as_tensor(x, model))
    finally:
        handle.remove()
    if len(captured) != 1:
        raise ValueError(
            f"the layer ran {len(captured)} times in one forward pass; expected once"
        )
    (grad,) = torch.autograd.grad(_score(logits, _targets(logits, target)), captured[0])
    return captured[0].detach().numpy(), grad.detach().numpy()


def upsample(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of ``(N, h, w)`` maps to ``(N, *size)``."""
    import torch

    t = torch.as_tensor(maps)[:, None]
    return torch.nn.functional.interpolate(
        t, size=size, mode="bilinear", align_corners=False
    )[:, 0].numpy()


def grad_cam(
    model, layer, x: np.ndarray, target=None, upsampled: bool = True
) -> np.ndarray:
    """Grad-CAM maps ``(N, H, W)`` (or ``(N, h, w)`` at
    the layer's resolution with ``upsampled=False``).

    ``alpha_c = mean_ij dscore/dA_cij`` (3.17);
    ``map = ReLU(sum_c alpha_c A_c)`` (3.18).
    """
    activations, gradients = activations_and_gradients(model, layer, x, target)
    alpha = gradients.mean(axis=(2, 3), keepdims=True)  # (3.17): (N, C, 1, 1)
    maps = np.maximum((alpha * activations).sum(axis=1), 0)  # (3.18): (N, h, w)
    return upsample(maps, np.shape(x)[2:]) if upsampled else maps


def integrated_gradients(
    model,
    x: np.ndarray,
    target=None,
    baseline: np.ndarray | None = None,
    steps: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Integrated gradients ``(N, C, H, W)`` and, per image, the completeness gap
    (3.20): ``sum(attributions) - (score(x) - score(baseline))``, which shrinks as
    ``steps`` grows.

    The path integral (3.19) uses the trapezoidal rule on ``steps`` intervals; the
    baseline defaults to a black image (all zeros).
    """
    import torch

    model.eval()
    x_t = _as_tensor(x, model)
    base_t = (
        torch.zeros_like(x_t)
        if baseline is None
        else _as_tensor(np.broadcast_to(baseline, x_t.shape), model)
    )
    with torch.no_grad():
        targets = _targets(model(x_t), target)
    alphas = torch.linspace(0, 1, steps + 1, dtype=x_t.dtype)
    weights = torch.full((steps + 1,), 1.0 / steps, dtype=x_t.dtype)
    weights[[0, -1]] /= 2  # trapezoidal rule
    attributions, gaps = [], []
    for image, base, label in zip(x_t, base_t, targets):
        # (steps + 1, C, H, W)
        path = base + alphas[:, None, None, None] * (image - base)
        path.requires_grad_(True)
        logits = model(path)
        scores = logits[:, label]
        (grad,) = torch.autograd.grad(scores.sum(), path)
        # (3.19)
        attribution = (image - base) * (weights[:, None, None, None] * grad).sum(dim=0)
        attributions.append(attribution.detach().numpy())
        gaps.append((attribution.sum() - (scores[-1] - scores[0])).item())  # (3.20)
    return np.stack(attributions), np.array(gaps)
