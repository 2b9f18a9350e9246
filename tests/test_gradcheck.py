"""dlbook.gradcheck: finite differences, relative error,
torch gradients and the report table."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook.gradcheck import (
    GradCheckReport,
    error_bound,
    numerical_gradient,
    relative_error,
    torch_gradients,
)

from helpers import property_checks, seeds

SETTINGS = property_checks(25)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


def log_sum_exp(x: np.ndarray) -> float:
    m = x.max()
    return float(m + np.log(np.exp(x - m).sum()))


# --- numerical_gradient ---------------------------------------------------------------


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_numerical_gradient_of_sin_x_times_x(shape, seed):
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, size=shape)
    analytic = np.sin(x) + x * np.cos(x)
    assert (
        relative_error(numerical_gradient(lambda v: np.sum(np.sin(v) * v), x), analytic)
        < 1e-7
    )


@SETTINGS
@given(shape=shapes, seed=seeds, rows=st.integers(1, 5))
def test_numerical_gradient_of_least_squares(shape, seed, rows):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    A, b = rng.normal(size=(rows, x.size)), rng.normal(size=rows)
    loss = lambda v: 0.5 * np.sum((A @ v.reshape(-1) - b) ** 2)
    analytic = (A.T @ (A @ x.reshape(-1) - b)).reshape(shape)
    assert relative_error(numerical_gradient(loss, x), analytic) < 1e-7


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_numerical_gradient_of_log_sum_exp(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    softmax = np.exp(x - log_sum_exp(x))
    assert relative_error(numerical_gradient(log_sum_exp, x), softmax) < 1e-7


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_numerical_gradient_restores_x(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    before = x.copy()
    seen = []
    grad = numerical_gradient(lambda v: seen.append(v.copy()) or float(np.sum(v**3)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert np.array_equal(x, before)
    assert len(seen) == 2 * x.size
    # each evaluation differs from x in exactly one entry, by +-eps
    assert all(np.count_nonzero(v != before) == 1 for v in seen)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 4:  # in the middle of the second entry
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert np.array_equal(x, before)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64])
def test_numerical_gradient_refuses_other_dtypes(dtype):
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda v: float(v.sum()), np.ones(3, dtype=dtype))


# --- relative_error -------------------------------------------------------------------

# No subnormal-scale values: scaling those underflows to zero,
# which no error measure survives.
finite = st.one_of(st.just(0.0), st.floats(1e-6, 1e3), st.floats(-1e3, -1e-6))


@SETTINGS
@given(a=hnp.arrays(np.float64, shapes, elements=finite))
def test_relative_error_of_equal_arrays_is_zero(a):
    assert relative_error(a, a.copy()) == 0.0


@SETTINGS
@given(
    pair=shapes.flatmap(
        lambda s: st.tuples(*[hnp.arrays(np.float64, s, elements=finite)] * 2)
    )
)
def test_relative_error_is_symmetric_and_bounded(pair):
    a, b = pair
    assert relative_error(a, b) == relative_error(b, a)
    assert 0.0 <= relative_error(a, b) <= 2.0


@SETTINGS
@given(
    pair=shapes.flatmap(
        lambda s: st.tuples(*[hnp.arrays(np.float64, s, elements=finite)] * 2)
    ),
    scale=st.one_of(st.floats(1e-3, 1e3), st.floats(-1e3, -1e-3)),
)
def test_relative_error_is_scale_invariant(pair, scale):
    a, b = pair
    assert relative_error(scale * a, scale * b) == pytest.approx(
        relative_error(a, b), rel=1e-9, abs=1e-12
    )


def test_relative_error_values():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2))
    assert relative_error(np.ones(4), 2 * np.ones(4)) == pytest.approx(0.5)
    assert relative_error(np.ones(2), np.zeros(2)) == 1.0


def test_relative_error_shape_mismatch():
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.ones((2, 3)), np.ones((3, 2)))


# --- torch_gradients ------------------------------------------------------------------


def test_torch_gradients_match_hand_derived():
    rng = np.random.default_rng(0)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    unused = rng.normal(size=4)
    grads = torch_gradients(
        lambda X, W, b, unused: ((X @ W + b) ** 2).sum() / 2 + (W**3).sum(),
        {"X": X, "W": W, "b": b, "unused": unused},
    )
    R = X @ W + b
    expected = {
        "X": R @ W.T,
        "W": X.T @ R + 3 * W**2,
        "b": R.sum(axis=0),
        "unused": np.zeros(4),
    }
    assert set(grads) == set(expected)
    for key, value in expected.items():
        assert isinstance(grads[key], np.ndarray) and grads[key].dtype == np.float64
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-12)


def test_torch_gradients_refuse_a_non_scalar_loss():
    with pytest.raises(ValueError, match="scalar"):
        torch_gradients(lambda x: x * 2, {"x": np.ones(3)})


# --- GradCheckReport ------------------------------------------------------------------


@pytest.fixture
def layer():
    """A linear layer with squared loss, its inputs and its hand-derived gradients."""
    rng = np.random.default_rng(42)
    X, Y = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    W, b = rng.normal(size=(4, 4)), rng.normal(size=4)
    R = X @ W + b - Y
    return {
        "loss": lambda W, b: 0.5 * float(np.sum((X @ W + b - Y) ** 2)),
        "torch_loss": lambda W, b: (
            0.5 * ((torch.from_numpy(X) @ W + b - torch.from_numpy(Y)) ** 2).sum()
        ),
        "inputs": {"W": W, "b": b},
        "grads": {"W": X.T @ R, "b": R.sum(axis=0)},
    }


def test_report_passes_a_correct_gradient(layer):
    report = GradCheckReport().check(
        "linear", layer["loss"], layer["grads"], layer["inputs"]
    )
    report.check(
        "linear+torch",
        layer["loss"],
        layer["grads"],
        layer["inputs"],
        torch_loss=layer["torch_loss"],
    )
    assert [row.name for row in report.rows] == [
        "linear: d/dW",
        "linear: d/db",
        "linear+torch: d/dW",
        "linear+torch: d/db",
    ]
    assert report.ok
    report.assert_ok()
    for row in report.rows:
        assert row.rel_numerical < 1e-7
    for row in report.rows[2:]:
        assert row.rel_torch < 1e-12 and row.abs_torch < 1e-12
    assert report.rows[0].shape == (4, 4) and report.rows[1].shape == (4,)


def test_report_check_leaves_the_inputs_alone(layer):
    before = {k: v.copy() for k, v in layer["inputs"].items()}
    GradCheckReport().check("linear", layer["loss"], layer["grads"], layer["inputs"])
    for key, value in before.items():
        assert np.array_equal(layer["inputs"][key], value)


def test_report_accepts_a_transposed_view_as_input():
    W = np.random.default_rng(3).normal(size=(4, 3)).T  # Fortran-ordered (3, 4)
    report = GradCheckReport().check(
        "square", lambda W: 0.5 * float(np.sum(W**2)), {"W": W}, {"W": W}
    )
    report.assert_ok()


@pytest.mark.parametrize("mistake", ["factor 2", "transposed"])
@pytest.mark.parametrize("with_torch", [False, True])
def test_report_fails_a_wrong_gradient(layer, mistake, with_torch):
    dW = layer["grads"]["W"]
    wrong = 2 * dW if mistake == "factor 2" else dW.T
    torch_loss = layer["torch_loss"] if with_torch else None
    report = GradCheckReport().check(
        "linear",
        layer["loss"],
        {"W": wrong, "b": layer["grads"]["b"]},
        layer["inputs"],
        torch_loss=torch_loss,
    )
    bad, good = report.rows
    assert not bad.ok and good.ok and not report.ok
    assert bad.rel_numerical > 0.1
    if with_torch:
        assert bad.rel_torch > 0.1
    with pytest.raises(AssertionError) as info:
        report.assert_ok()
    first_line = str(info.value).splitlines()[0]
    assert "linear: d/dW" in first_line and "d/db" not in first_line


def test_report_fails_when_only_torch_disagrees(layer):
    # The numerical check passes, but the torch loss is a different function:
    # the row must fail.
    report = GradCheckReport().check(
        "linear",
        layer["loss"],
        layer["grads"],
        layer["inputs"],
        torch_loss=lambda W, b: (W**2).sum() + b.sum(),
    )
    assert all(row.rel_numerical < 1e-7 for row in report.rows)
    assert not report.ok


def test_report_with_nan_gradient_fails():
    report = GradCheckReport()
    report.add("nan", np.array([np.nan, 1.0]), np.array([1.0, 1.0]))
    assert not report.ok


def test_report_refuses_gradients_of_unknown_inputs(layer):
    with pytest.raises(KeyError, match=r"\['c'\]"):
        GradCheckReport().check(
            "linear", layer["loss"], {"c": np.ones(2)}, layer["inputs"]
        )


def test_empty_report_does_not_pass():
    report = GradCheckReport()
    assert not report.ok
    with pytest.raises(AssertionError, match="empty"):
        report.assert_ok()


def test_report_html(layer):
    report = GradCheckReport().check(
        "a<b", layer["loss"], layer["grads"], layer["inputs"]
    )
    report.add("wrong", np.ones(3), -np.ones(3))
    page = report._repr_html_()
    assert page.startswith("<table") and page.endswith("</table>")
    assert page.count("<tr>") == 1 + 3  # header and three rows
    assert "<th>gradient</th>" in page and "<th>result</th>" in page
    assert (
        "a&lt;b: d/dW" in page and "a&lt;b: d/db" in page and "<td>wrong</td>" in page
    )
    assert page.count("<td>pass</td>") == 2 and page.count("<td>FAIL</td>") == 1


def test_report_text_table(layer):
    report = GradCheckReport().check(
        "linear", layer["loss"], layer["grads"], layer["inputs"]
    )
    report.add("wrong", np.ones(3), -np.ones(3), torch_grad=np.ones(3))
    lines = str(report).splitlines()
    assert len(lines) == 2 + 3
    assert lines[0].startswith("gradient") and "result" in lines[0]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].startswith("linear: d/dW") and lines[2].endswith("pass")
    assert lines[3].startswith("linear: d/db") and lines[3].endswith("pass")
    assert lines[4].startswith("wrong") and lines[4].endswith("FAIL")
    assert "—" in lines[2]  # no torch column for this row
    # relative error of ones vs -ones: above every bound, shown as is
    assert "2.0e+00" in lines[4]
    # a correct gradient: under the finite-difference bound
    assert "< 1e-08" in lines[2]
    # columns line up: every row's second column starts where the header's does
    column = lines[0].index("shape")
    assert all(
        line[column - 2 : column] == "  " and line[column] != " " for line in lines[2:]
    )
    assert repr(report) == str(report)


@pytest.mark.parametrize(
    ("value", "bounds", "shown"),
    [
        (0.0, (1e-12, 1e-8), "< 1e-12"),
        (3e-16, (1e-12, 1e-8), "< 1e-12"),
        (2e-10, (1e-8, 1e-6), "< 1e-08"),
        (5e-7, (1e-8, 1e-6), "< 1e-06"),
        (0.25, (1e-8, 1e-6), "2.5e-01"),
        (None, (1e-8,), "—"),
    ],
)
def test_error_bound(value, bounds, shown):
    assert error_bound(value, bounds) == shown
