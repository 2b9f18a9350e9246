"""Optimizers and learning-rate schedules for the NumPy layers of
:mod:`dlbook.scratch.layers` (chapter 2).

An optimizer holds the ``params`` and ``grads`` dicts of a model (any object with both,
such as :class:`dlbook.scratch.layers.Sequential`) and updates the parameter arrays in
place; the layers write fresh gradients into the very arrays of ``grads`` on every
backward pass. The update rules are those of ``torch.optim.SGD`` and
``torch.optim.Adam`` (tests/test_optim.py checks them step by step). Equation numbers
refer to chapter 2, but for clipping by global norm (:func:`clip_grad_norm`, chapter 4).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SGD",
    "Adam",
    "CosineDecay",
    "ExponentialDecay",
    "Optimizer",
    "StepDecay",
    "clip_grad_norm",
    "global_norm",
]


class Optimizer:
    """Common part: the parameters, their gradients,
    the learning rate and the step count."""

    def __init__(
        self,
        params: dict[str, np.ndarray],
        grads: dict[str, np.ndarray],
        lr: float,
        weight_decay: float = 0.0,
    ):
        if set(params) != set(grads):
            raise KeyError(
                "params and grads must have the same keys: "
                f"{sorted(params)} vs {sorted(grads)}"
            )
        self.params, self.grads = params, grads
        self.lr, self.weight_decay = lr, weight_decay
        self.steps = 0

    def gradient(self, name: str) -> np.ndarray:
        """dL/dθ, plus ``weight_decay * θ`` (the gradient of the L2 penalty (2.25))."""
        grad = self.grads[name]
        return (
            grad + self.weight_decay * self.params[name] if self.weight_decay else grad
        )

    def step(self) -> None:
        self.steps += 1
        for name in self.params:
            self.update(name, self.gradient(name))

    def update(self, name: str, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent (2.18), with heavy-ball momentum
    (2.19) when ``momentum > 0``."""

    def __init__(
        self, params, grads, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ):
        super().__init__(params, grads, lr, weight_decay)
        self.momentum = momentum
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()}

    def update(self, name: str, grad: np.ndarray) -> None:
        if self.momentum:
            velocity = self.velocity[name]
            velocity *= self.momentum  # (2.19): v <- mu v + g
            velocity += grad
            grad = velocity
        self.params[name] -= self.lr * grad  # (2.18), (2.19): theta <- theta - lr v


class Adam(Optimizer):
    """Adam (Kingma & Ba): moving averages of the gradient and its square,
    bias-corrected."""

    def __init__(
        self,
        params,
        grads,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, grads, lr, weight_decay)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def update(self, name: str, grad: np.ndarray) -> None:
        m, v = self.m[name], self.v[name]
        m *= self.beta1  # (2.20): m <- beta1 m + (1 - beta1) g
        m += (1 - self.beta1) * grad
        v *= self.beta2  # (2.20): v <- beta2 v + (1 - beta2) g^2
        v += (1 - self.beta2) * grad * grad
        m_hat_scale = 1 / (1 - self.beta1**self.steps)  # (2.21): bias corrections
        v_hat_scale = 1 / (1 - self.beta2**self.steps)
        # (2.21)
        self.params[name] -= (
            self.lr * m_hat_scale * m / (np.sqrt(v * v_hat_scale) + self.eps)
        )


class StepDecay:
    """Multiply the optimizer's learning rate by ``gamma`` every ``step_size`` calls of
    ``step()`` (2.22); call ``step()`` once per epoch, like
    ``torch.optim.lr_scheduler.StepLR``."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        self.optimizer, self.step_size, self.gamma = optimizer, step_size, gamma
        self.base_lr, self.epoch = optimizer.lr, 0

    def step(self) -> None:
        self.epoch += 1
        # (2.22)
        self.optimizer.lr = self.base_lr * self.gamma ** (self.epoch // self.step_size)


class ExponentialDecay:
    """Multiply the learning rate by ``gamma`` at every ``step()`` (2.22),
    like ``ExponentialLR``."""

    def __init__(self, optimizer: Optimizer, gamma: float):
        self.optimizer, self.gamma = optimizer, gamma
        self.base_lr, self.epoch = optimizer.lr, 0

    def step(self) -> None:
        self.epoch += 1
        self.optimizer.lr = self.base_lr * self.gamma**self.epoch  # (2.22)


class CosineDecay:
    """Lower the learning rate from its start to 0 along half a cosine over
    ``total_steps`` calls of ``step()`` (call it after every optimizer step), like
    ``CosineAnnealingLR`` with ``eta_min=0``: after k calls,
    ``lr = lr_0 (1 + cos(pi k / total_steps)) / 2``."""

    def __init__(self, optimizer: Optimizer, total_steps: int):
        self.optimizer, self.total_steps = optimizer, total_steps
        self.base_lr, self.count = optimizer.lr, 0

    def step(self) -> None:
        self.count += 1
        self.optimizer.lr = (
            self.base_lr * 0.5 * (1 + np.cos(np.pi * self.count / self.total_steps))
        )


def global_norm(grads) -> float:
    """The Euclidean norm of all gradients together, ``sqrt(sum of every squared
    entry)``."""
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))


def clip_grad_norm(grads, max_norm: float) -> float:
    """Scale all gradients in place so that their global norm is at most ``max_norm``
    (4.10).

    ``grads`` is a list of arrays (or a dict, such as ``model.grads``). Returns the norm
    before clipping, like ``torch.nn.utils.clip_grad_norm_`` (which also adds 1e-6 to
    the norm).
    """
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    total = global_norm(arrays)
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in arrays:
            g *= scale
    return total
