"""The one helper the reference modules share."""

from __future__ import annotations

import numpy as np


def tensor64(a, grad: bool = False):
    """``a`` as a float64 torch tensor (torch is imported here, not at module level, so
    that importing a reference module does not load torch)."""
    import torch

    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)
