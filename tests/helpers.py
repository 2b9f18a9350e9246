"""Helpers shared by the test modules: float64 tensors, tolerances, seeds."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import settings
from hypothesis import strategies as st

# Relative error of an analytic gradient against finite differences, in float64.
TOLERANCE = 1e-6

# Any seed of np.random.default_rng, drawn by hypothesis.
seeds = st.integers(0, 2**32 - 1)


def property_checks(max_examples: int) -> settings:
    """Hypothesis settings of the fast property tests: repeatable, no deadline."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True)


def t64(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    """``a`` as a float64 tensor (a leaf that records its gradient with ``grad``)."""
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)
