"""dlbook.grading: the checks behind the exercises fail with one clear sentence."""

from __future__ import annotations

import signal
import sys
import threading
import time

import numpy as np
import pytest
import torch

from dlbook.grading import (
    AnswerTimeout,
    answer_of,
    call_and_check,
    check_array,
    check_scalar,
)
from dlbook.grading.reference import cnn as cnn_reference
from dlbook.scratch.conv import im2col

# --- answer_of ------------------------------------------------------------------------


@pytest.mark.parametrize("placeholder", [Ellipsis, None])
def test_placeholder_is_not_written_yet(placeholder):
    with pytest.raises(AssertionError, match="sigmoid is not written yet"):
        answer_of(placeholder, np.ones(3), name="sigmoid")


@pytest.mark.parametrize(
    ("value", "kind"), [(3, "int"), (np.ones(2), "ndarray"), ("relu", "str")]
)
def test_non_callable_answer(value, kind):
    with pytest.raises(
        AssertionError, match=f"relu should be a function, but it is a {kind}"
    ):
        answer_of(value, name="relu")


def test_answer_result_is_returned():
    def softplus(x, *, beta=1.0):
        return np.log1p(np.exp(beta * x)) / beta

    x = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(
        answer_of(softplus, x, beta=2.0), np.log1p(np.exp(2 * x)) / 2
    )


def test_exception_in_answer_is_reported():
    def relu(x):
        return np.maximum(x, undefined_threshold)  # noqa: F821  (the learner's bug)

    with pytest.raises(AssertionError) as info:
        answer_of(relu, np.ones(3))
    message = str(info.value)
    assert message.startswith(
        "relu raised NameError at line 2 of relu (`return np.maximum("
    )
    assert "undefined_threshold" in message
    assert isinstance(info.value.__cause__, NameError)


def test_exception_points_at_the_learners_helper():
    def normalize(x):
        total = x.sum()
        return x / total.nonexistent  # the learner's bug, two calls deep

    def softmax(x):
        return normalize(np.exp(x))

    with pytest.raises(AssertionError) as info:
        answer_of(softmax, np.ones(3))
    assert (
        "softmax raised AttributeError at line 3 of normalize "
        "(`return x / total.nonexistent" in str(info.value)
    )


def test_exception_message_is_kept():
    def layer(x):
        raise ValueError("matmul: shapes (2, 3) and (2, 3) not aligned")

    with pytest.raises(
        AssertionError, match=r"layer raised ValueError .*: matmul: shapes \(2, 3\)"
    ):
        answer_of(layer, np.ones((2, 3)))


def test_infinite_loop_times_out():
    def forever(x):
        while True:
            pass

    start = time.perf_counter()
    with pytest.raises(AnswerTimeout, match=r"forever did not finish within 0.5 s"):
        answer_of(forever, np.ones(3), seconds=0.5)
    elapsed = time.perf_counter() - start
    assert 0.45 <= elapsed < 1.5
    # otter reports it as a failed test
    assert isinstance(AnswerTimeout("x"), AssertionError)


def test_inputs_are_copied():
    def destructive(x, *, y):
        x[:] = 0
        y *= 2
        return x.sum() + y.sum()

    x, y = np.arange(4.0), np.ones(3)
    assert answer_of(destructive, x, y=y) == 6.0
    np.testing.assert_array_equal(x, np.arange(4.0))
    np.testing.assert_array_equal(y, np.ones(3))


def test_inputs_changed_in_place_fail_where_the_question_says_so():
    def sgd_step(W, grad, lr):
        W -= lr * grad  # changes the caller's W
        return W

    W, grad = np.ones((2, 2)), np.full((2, 2), 0.5)
    with pytest.raises(
        AssertionError, match=r"sgd_step changed its input W in place.*W = W.copy\(\)"
    ):
        answer_of(sgd_step, W, grad, 0.1, keep_inputs=True)
    # the test's own array is untouched
    np.testing.assert_array_equal(W, np.ones((2, 2)))


def test_inputs_left_alone_pass_the_in_place_check():
    def sgd_step(W, grad, lr):
        return W - lr * grad

    W, grad = np.ones((2, 2)), np.full((2, 2), 0.5)
    np.testing.assert_allclose(
        answer_of(sgd_step, W, grad, 0.1, keep_inputs=True), np.full((2, 2), 0.95)
    )


@pytest.fixture
def own_alarm_handler():
    """Install a handler of our own for SIGALRM
    (and put the original back afterwards)."""

    def handler(signum, frame):  # pragma: no cover - never called
        raise RuntimeError("unexpected SIGALRM")

    original = signal.signal(signal.SIGALRM, handler)
    yield handler
    signal.signal(signal.SIGALRM, original)


@pytest.mark.parametrize("outcome", ["returns", "raises", "times out"])
def test_previous_alarm_handler_is_restored(own_alarm_handler, outcome):
    def answer(x):
        if outcome == "raises":
            raise ZeroDivisionError("division by zero")
        while outcome == "times out":
            pass
        return x

    if outcome == "returns":
        answer_of(answer, 1, seconds=0.5)
    else:
        with pytest.raises(AssertionError):
            answer_of(answer, 1, seconds=0.3)
    assert signal.getsignal(signal.SIGALRM) is own_alarm_handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no alarm left pending


def test_answer_of_outside_the_main_thread():
    # signal.signal only works in the main thread;
    # elsewhere the answer runs without a limit.
    results = []
    thread = threading.Thread(
        target=lambda: results.append(answer_of(lambda x: x + 1, 41, seconds=0.5))
    )
    thread.start()
    thread.join(5)
    assert results == [42]


def test_call_and_check():
    call_and_check(np.tanh, lambda x: np.tanh(x), np.linspace(-1, 1, 7))
    with pytest.raises(AssertionError, match="sin"):
        call_and_check(np.sin, np.cos, np.linspace(-1, 1, 7))


# --- check_array ----------------------------------------------------------------------


def test_check_array_none():
    with pytest.raises(AssertionError, match="forget to `return`"):
        check_array("sigmoid(x)", None, np.zeros(3))


def test_check_array_ellipsis():
    with pytest.raises(AssertionError, match="not written yet"):
        check_array("sigmoid(x)", ..., np.zeros(3))


def test_check_array_not_numbers():
    with pytest.raises(
        AssertionError, match="should be a NumPy array of numbers; it is a str"
    ):
        check_array("sigmoid(x)", "half", np.zeros(3))


@pytest.mark.parametrize(
    ("got_shape", "expected_shape"), [((3,), (3, 4)), ((4, 3), (3, 4)), ((), (1,))]
)
def test_check_array_wrong_shape(got_shape, expected_shape):
    with pytest.raises(AssertionError) as info:
        check_array("sigmoid(x)", np.zeros(got_shape), np.zeros(expected_shape))
    assert str(info.value) == (
        f"sigmoid(x) has shape {got_shape} but the answer has shape {expected_shape}"
    )


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_array_nan(bad):
    got = np.ones((2, 3))
    got[1, 2] = bad
    with pytest.raises(
        AssertionError,
        match=r"1 NaN or infinite value\(s\) \(first at index \(1, 2\)\)",
    ):
        check_array("loss", got, np.ones((2, 3)))


def test_check_array_expected_nan_is_accepted():
    check_array("x", [np.nan, 1.0], np.array([np.nan, 1.0]))


def test_check_array_wrong_values():
    expected = np.arange(6.0).reshape(2, 3)
    got = expected.copy()
    got[1, 2] = 7.5
    got[1, 0] = 9.0
    with pytest.raises(AssertionError) as info:
        check_array("softmax(x)", got, expected)
    message = str(info.value)
    assert "2 of 6 entries" in message
    assert "first at index (1, 0)" in message
    assert "got 9, expected 3" in message


def test_check_array_tolerances():
    expected = np.array([1.0, 2.0, 3.0])
    check_array("x", expected * (1 + 5e-7), expected)  # within rtol=1e-6
    with pytest.raises(AssertionError):
        check_array("x", expected * (1 + 5e-6), expected)
    check_array("x", expected * (1 + 5e-6), expected, rtol=1e-5)


@pytest.mark.parametrize(
    "got", [[[0.0, 1.0], [2.0, 3.0]], ((0, 1), (2, 3)), np.arange(4).reshape(2, 2)]
)
def test_check_array_accepts_lists_and_ints(got):
    check_array("x", got, np.arange(4.0).reshape(2, 2))


# --- check_scalar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "got",
    [0.25, np.float64(0.25), np.float32(0.25), np.array(0.25), np.array([0.25]), 1 / 4],
)
def test_check_scalar_correct(got):
    check_scalar("mse", got, 0.25)


def test_check_scalar_refuses_arrays():
    with pytest.raises(
        AssertionError, match=r"mse should be a single number, but it has shape \(3,\)"
    ):
        check_scalar("mse", np.array([0.25, 0.25, 0.25]), 0.25)


def test_check_scalar_wrong_value():
    with pytest.raises(AssertionError, match="got 0.5, expected 0.25"):
        check_scalar("mse", 0.5, 0.25)


@pytest.mark.parametrize(
    ("got", "match"),
    [(None, "forget to `return`"), (..., "not written yet"), (float("nan"), "NaN")],
)
def test_check_scalar_missing_or_nan(got, match):
    with pytest.raises(AssertionError, match=match):
        check_scalar("mse", got, 0.25)


# --- numpy_only_answer (the guard of the NumPy-only exercises) ------------------------


def numpy_answer(x):
    return np.asarray(x) * 2


F = torch.nn.functional


def torch_answer(x):
    return F.relu(torch.from_numpy(x)).numpy()


def calls_a_torch_helper(x):
    return torch_answer(x)


def imports_torch_inside(x):
    import torch

    return torch.from_numpy(x).numpy()


def imports_torch_dynamically(x):
    return __import__("torch").from_numpy(x).numpy()


def test_numpy_only_answer_accepts_numpy():
    np.testing.assert_array_equal(
        cnn_reference.numpy_only_answer(numpy_answer, np.ones(3)), np.full(3, 2.0)
    )


@pytest.mark.parametrize(
    "fn, message",
    [
        (torch_answer, "uses F (from torch), torch (from torch)"),
        (calls_a_torch_helper, "torch_answer -> F (from torch)"),
        (imports_torch_inside, "torch (from torch)"),
        (imports_torch_dynamically, "imports torch"),
    ],
)
def test_numpy_only_answer_refuses_torch_and_restores_it(fn, message):
    modules_before = {k: v for k, v in sys.modules.items() if k.startswith("torch")}
    with pytest.raises(AssertionError, match="must use NumPy only") as error:
        cnn_reference.numpy_only_answer(fn, np.ones(3))
    assert message in str(error.value)
    assert {
        k: v for k, v in sys.modules.items() if k.startswith("torch")
    } == modules_before
    assert torch.ones(1).item() == 1.0


def test_numpy_only_answer_refuses_the_chapters_own_code():
    def copied(x, kh, kw, stride, padding):
        return im2col(x, (kh, kw), stride, padding)

    with pytest.raises(AssertionError, match=r"im2col \(from dlbook.scratch.conv\)"):
        cnn_reference.numpy_only_answer(copied, np.ones((1, 1, 4, 4)), 2, 2, 1, 0)


def test_numpy_only_answer_keeps_answer_of_messages():
    with pytest.raises(AssertionError, match="not written yet"):
        cnn_reference.numpy_only_answer(..., np.ones(3), name="im2col")
