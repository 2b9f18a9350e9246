"""Helpers shared by the test modules: float64 tensors, tolerances, seeds, and the
three-way gradient check (analytic against finite differences and torch.autograd)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from hypothesis import settings
from hypothesis import strategies as st

from dlbook.gradcheck import numerical_gradient, relative_error, torch_gradients
from dlbook.scratch.layers import softmax_cross_entropy

# Relative error of an analytic gradient against finite differences, in float64.
TOLERANCE = 1e-6
# Relative error of an analytic gradient against torch.autograd, in float64: both are
# exact up to rounding.
TORCH_TOLERANCE = 1e-10

# Any seed of np.random.default_rng, drawn by hypothesis.
seeds = st.integers(0, 2**32 - 1)


def property_checks(max_examples: int) -> settings:
    """Hypothesis settings of the fast property tests: repeatable, no deadline."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True)


def t64(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    """``a`` as a float64 tensor (a leaf that records its gradient with ``grad``)."""
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def check_gradients(
    loss: Callable[..., float],
    torch_loss: Callable[..., torch.Tensor] | None,
    inputs: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    tolerance: float = TOLERANCE,
    torch_tolerance: float = TORCH_TOLERANCE,
    eps: float = 1e-6,
) -> None:
    """Assert that each ``analytic[name]`` is dL/d``inputs[name]`` three ways, in
    float64.

    ``loss(**arrays)`` is the NumPy loss (a float) and ``torch_loss(**tensors)`` the
    same loss written with torch (a scalar tensor; None where torch has no such
    function), both called with every input by name. Each analytic gradient must be
    within ``tolerance`` (relative) of central finite differences of ``loss`` and within
    ``torch_tolerance`` of ``torch.autograd``. ``eps`` is the finite-difference step.
    ``inputs`` is left unchanged.
    """
    inputs = {name: np.array(value, dtype=np.float64) for name, value in inputs.items()}
    expected = {} if torch_loss is None else torch_gradients(torch_loss, inputs)
    for name, value in inputs.items():
        numerical = numerical_gradient(
            lambda v, name=name: loss(**{**inputs, name: v}), value.copy(), eps
        )
        error = relative_error(analytic[name], numerical)
        assert error < tolerance, f"dL/d{name}: {error:.1e} from finite differences"
        if torch_loss is not None:
            error = relative_error(analytic[name], expected[name])
            assert error < torch_tolerance, f"dL/d{name}: {error:.1e} from autograd"


def train_full_batch(model, optimizer, x, labels, steps: int) -> list[float]:
    """``steps`` steps of ``optimizer`` on the softmax cross-entropy of ``model`` over
    the whole batch; the loss before each step."""
    losses = []
    for _ in range(steps):
        loss, grad = softmax_cross_entropy(model.forward(x), labels)
        model.backward(grad)
        optimizer.step()
        losses.append(loss)
    return losses
