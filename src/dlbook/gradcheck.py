"""Gradient checks: our analytic gradients against
finite differences and ``torch.autograd``.

The pattern of every from-scratch section of the book::

    report = GradCheckReport()
    report.check(
        "linear layer",
        loss=lambda W, b: np_loss(X, W, b),            # NumPy, returns a float
        grads={"W": dW, "b": db},                       # our hand-derived gradients
        inputs={"W": W, "b": b},                        # float64 arrays
        torch_loss=lambda W, b: torch_loss(X_t, W, b),  # the same loss on torch tensors
    )
    report            # a table in the notebook: relative errors (bounded), pass/fail
    report.assert_ok()

All comparisons run in float64. The relative error of two arrays ``a``, ``b`` is
``||a - b|| / max(||a||, ||b||)`` (Euclidean norms; 0 when both are 0), which is
scale-free and not thrown off by single near-zero entries.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "GradCheckReport",
    "GradCheckRow",
    "error_bound",
    "max_abs_error",
    "numerical_gradient",
    "relative_error",
    "torch_gradients",
]


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of a scalar function ``f`` at ``x`` (float64).

    ``df/dx_i ≈ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``, with error O(eps²).
    ``x`` is perturbed one entry at a time and always restored, even if ``f`` raises.
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise TypeError(f"numerical gradients need float64 inputs, got {x.dtype}")
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError(
            "x must be a contiguous array so that it can be perturbed in place"
        )
    for i in range(flat_x.size):
        original = flat_x[i]
        try:
            flat_x[i] = original + eps
            f_plus = float(f(x))
            flat_x[i] = original - eps
            f_minus = float(f(x))
        finally:
            flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / max(||a||, ||b||)``; 0.0 when both arrays are all zeros."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def max_abs_error(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def torch_gradients(
    torch_loss: Callable, inputs: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Gradients of ``torch_loss(**tensors)`` by ``torch.autograd``, in float64,
    as NumPy arrays."""
    import torch

    tensors = {
        k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)
        for k, v in inputs.items()
    }
    loss = torch_loss(**tensors)
    if loss.numel() != 1:
        raise ValueError(
            f"torch_loss must return a scalar, got shape {tuple(loss.shape)}"
        )
    grads = torch.autograd.grad(loss, list(tensors.values()), allow_unused=True)
    return {
        k: (
            np.zeros_like(np.asarray(inputs[k], dtype=np.float64))
            if g is None
            else g.detach().numpy()
        )
        for k, g in zip(tensors, grads, strict=True)
    }


@dataclass
class GradCheckRow:
    name: str
    shape: tuple[int, ...]
    rel_numerical: float
    abs_numerical: float
    rel_torch: float | None
    abs_torch: float | None
    tolerance: float

    @property
    def ok(self) -> bool:
        errors = [self.rel_numerical] + (
            [self.rel_torch] if self.rel_torch is not None else []
        )
        return all(np.isfinite(e) and e < self.tolerance for e in errors)


# What the table shows: the smallest of these bounds that an error is under. The bounds
# sit far from the errors a correct gradient has (finite differences ~1e-10, autograd
# ~1e-16 to 1e-14), so every correct machine prints the same table; the exact errors are
# in ``report.rows``.
NUMERICAL_BOUNDS = (1e-8, 1e-6, 1e-4)
TORCH_BOUNDS = (1e-12, 1e-8, 1e-6)


def error_bound(value: float | None, bounds: tuple[float, ...] = TORCH_BOUNDS) -> str:
    """``"< 1e-12"``: the smallest of ``bounds`` above ``value``,
    else the value itself."""
    if value is None:
        return "—"
    for bound in bounds:
        if value < bound:
            return f"< {bound:.0e}"
    return f"{value:.1e}"


@dataclass
class GradCheckReport:
    """A table of gradient checks, shown as HTML in a notebook and as text elsewhere."""

    rows: list[GradCheckRow] = field(default_factory=list)

    def add(
        self,
        name: str,
        analytic: np.ndarray,
        numerical: np.ndarray,
        torch_grad: np.ndarray | None = None,
        tolerance: float = 1e-6,
    ) -> GradCheckRow:
        analytic = np.asarray(analytic, dtype=np.float64)
        row = GradCheckRow(
            name=name,
            shape=tuple(analytic.shape),
            rel_numerical=relative_error(analytic, numerical),
            abs_numerical=max_abs_error(analytic, numerical),
            rel_torch=None
            if torch_grad is None
            else relative_error(analytic, torch_grad),
            abs_torch=None
            if torch_grad is None
            else max_abs_error(analytic, torch_grad),
            tolerance=tolerance,
        )
        self.rows.append(row)
        return row

    def check(
        self,
        label: str,
        loss: Callable[..., float],
        grads: Mapping[str, np.ndarray],
        inputs: Mapping[str, np.ndarray],
        torch_loss: Callable | None = None,
        eps: float = 1e-6,
        tolerance: float = 1e-6,
    ) -> GradCheckReport:
        """Check ``grads`` (our analytic gradients of
        ``loss(**inputs)``) for every named input.

        Numerical gradients perturb each input in turn; ``torch_loss`` (optional) is the
        same loss written with torch operations on float64 tensors.
        """
        # C order: numerical_gradient perturbs the entries through a flat view
        # (W.T is F-ordered).
        values = {
            k: np.array(v, dtype=np.float64, order="C") for k, v in inputs.items()
        }
        missing = set(grads) - set(values)
        if missing:
            raise KeyError(f"gradients given for unknown inputs: {sorted(missing)}")
        reference = (
            torch_gradients(torch_loss, values) if torch_loss is not None else {}
        )
        for key, analytic in grads.items():
            numerical = numerical_gradient(
                lambda _: loss(**values), values[key], eps=eps
            )
            self.add(
                f"{label}: d/d{key}", analytic, numerical, reference.get(key), tolerance
            )
        return self

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.ok for row in self.rows)

    def assert_ok(self) -> None:
        if not self.rows:
            raise AssertionError(
                "the gradient-check report is empty: nothing was checked"
            )
        failed = [row.name for row in self.rows if not row.ok]
        if failed:
            raise AssertionError(
                f"gradient check failed for: {', '.join(failed)}\n{self}"
            )

    _HEADER = (
        "gradient",
        "shape",
        "rel. error vs numerical",
        "rel. error vs torch",
        "tolerance",
        "result",
    )

    def _cells(self, row: GradCheckRow) -> tuple[str, ...]:
        """One row as shown: each error as the bound it is under
        (:func:`error_bound`)."""
        return (
            row.name,
            str(row.shape),
            error_bound(row.rel_numerical, NUMERICAL_BOUNDS),
            error_bound(row.rel_torch, TORCH_BOUNDS),
            f"{row.tolerance:.0e}",
            "pass" if row.ok else "FAIL",
        )

    def __str__(self) -> str:
        table = [self._HEADER] + [self._cells(row) for row in self.rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(self._HEADER))]
        lines = [
            "  ".join(
                cell.ljust(w) for cell, w in zip(line, widths, strict=True)
            ).rstrip()
            for line in table
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self._HEADER)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in self._cells(row))
            + "</tr>"
            for row in self.rows
        )
        return (
            f'<table class="gradcheck"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
