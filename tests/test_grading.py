"""dlbook.grading: the checks behind the exercises fail with one clear sentence."""

from __future__ import annotations

import importlib
import json
import signal
import sys
import textwrap
import threading
import time
import types

import numpy as np
import pytest
import torch

from dlbook.grading import (
    AnswerTimeout,
    answer_of,
    call_and_check,
    check_array,
    check_scalar,
    write_tests,
)
from dlbook.grading.reference import conv as conv_reference
from dlbook.grading.reference import rnn as rnn_reference
from dlbook.scratch import neuron
from dlbook.scratch.conv import im2col
from tools.repository import EXERCISES

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
        conv_reference.numpy_only_answer(numpy_answer, np.ones(3)), np.full(3, 2.0)
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
        conv_reference.numpy_only_answer(fn, np.ones(3))
    assert message in str(error.value)
    assert {
        k: v for k, v in sys.modules.items() if k.startswith("torch")
    } == modules_before
    assert torch.ones(1).item() == 1.0


def test_numpy_only_answer_refuses_the_chapters_own_code():
    def copied(x, kh, kw, stride, padding):
        return im2col(x, (kh, kw), stride, padding)

    with pytest.raises(AssertionError, match=r"im2col \(from dlbook.scratch.conv\)"):
        conv_reference.numpy_only_answer(copied, np.ones((1, 1, 4, 4)), 2, 2, 1, 0)


def test_numpy_only_answer_keeps_answer_of_messages():
    with pytest.raises(AssertionError, match="not written yet"):
        conv_reference.numpy_only_answer(..., np.ones(3), name="im2col")


# --- the guard cannot be fooled: the chapter's solution, however it is reached -------

_RNG = np.random.default_rng(27)
# (reference module, the chapter's solution module, its function, arguments that fit)
CHAPTERS = {
    "rnn": (
        "dlbook.grading.reference.rnn",
        "dlbook.scratch.rnn",
        "lstm_cell_forward",
        (
            _RNG.normal(size=(2, 3)),
            _RNG.normal(size=(2, 2)),
            _RNG.normal(size=(2, 2)),
            _RNG.normal(size=(3, 8)),
            _RNG.normal(size=(2, 8)),
            _RNG.normal(size=8),
        ),
    ),
    "attention": (
        "dlbook.grading.reference.attention",
        "dlbook.scratch.attention",
        "attention_forward",
        (_RNG.normal(size=(3, 4)), _RNG.normal(size=(5, 4)), _RNG.normal(size=(5, 2))),
    ),
    "vae": (
        "dlbook.grading.reference.autoencoder",
        "dlbook.scratch.autoencoder",
        "gaussian_kl",
        (_RNG.normal(size=(3, 2)), _RNG.normal(size=(3, 2))),
    ),
}

# Learner's cells that hand the work to the chapter's solution {mod}.{fn}, each defining
# `answer`; the guard refuses each, before the call (it reads the code) or during it.
EVASIONS = {
    "attribute chain": """
        import {mod}
        def answer(*a):
            return {mod}.{fn}(*a)
    """,
    "package alias": """
        import dlbook as d
        def answer(*a):
            return d.{sub}.{fn}(*a)
    """,
    "from the package": """
        from dlbook import scratch
        def answer(*a):
            return scratch.{last}.{fn}(*a)
    """,
    "module alias": """
        import {mod} as solution
        def answer(*a):
            return solution.{fn}(*a)
    """,
    "from import": """
        from {mod} import {fn} as mine
        def answer(*a):
            return mine(*a)
    """,
    "import inside": """
        def answer(*a):
            from dlbook import scratch
            return scratch.{last}.{fn}(*a)
    """,
    "import as inside": """
        def answer(*a):
            import {mod} as m
            return m.{fn}(*a)
    """,
    "importlib": """
        import importlib
        def answer(*a):
            return importlib.import_module("{mod}").{fn}(*a)
    """,
    "getattr": """
        import importlib
        def answer(*a):
            return getattr(importlib.import_module("{mod}"), "{fn}")(*a)
    """,
    "getattr on the package": """
        import dlbook.scratch
        def answer(*a):
            return getattr(dlbook.scratch, "{last}").{fn}(*a)
    """,
    "__import__": """
        def answer(*a):
            return __import__("{mod}", fromlist=["{fn}"]).{fn}(*a)
    """,
    "sys.modules": """
        import sys
        def answer(*a):
            return sys.modules["{mod}"].{fn}(*a)
    """,
    "lambda": """
        import {mod}
        helper = lambda *a: {mod}.{fn}(*a)
        def answer(*a):
            return helper(*a)
    """,
    "nested function": """
        import {mod}
        def answer(*a):
            def inner():
                return {mod}.{fn}(*a)
            return inner()
    """,
    "class method": """
        import {mod}
        class Layer:
            def forward(self, *a):
                return {mod}.{fn}(*a)
        def answer(*a):
            return Layer().forward(*a)
    """,
    "static method": """
        import {mod}
        class Layer:
            @staticmethod
            def forward(*a):
                return {mod}.{fn}(*a)
        def answer(*a):
            return Layer.forward(*a)
    """,
    "default argument": """
        import {mod}
        def answer(*a, solution={mod}.{fn}):
            return solution(*a)
    """,
    "functools.partial": """
        import functools
        import {mod}
        solution = functools.partial({mod}.{fn})
        def answer(*a):
            return solution(*a)
    """,
    "in a list": """
        import {mod}
        SOLUTIONS = [{mod}.{fn}]
        def answer(*a):
            return SOLUTIONS[0](*a)
    """,
    "the function itself": """
        import {mod}
        answer = {mod}.{fn}
    """,
    # names built at run time: only the guard during the call sees them
    "getattr with a computed name": """
        import dlbook.scratch
        def answer(*a):
            module = getattr(dlbook.scratch, "".join(["{last}"]))
            return getattr(module, "".join(["{fn}"]))(*a)
    """,
    "error swallowed": """
        import dlbook.scratch
        def answer(*a):
            module = getattr(dlbook.scratch, "".join(["{last}"]))
            try:
                module.{fn}(*a)
            except BaseException:
                pass
            return module.{fn}(*a)
    """,
    "guard turned off": """
        import sys
        import dlbook.scratch
        def answer(*a):
            sys.setprofile(None)
            return getattr(dlbook.scratch, "".join(["{last}"])).{fn}(*a)
    """,
    "in a thread": """
        import threading
        import dlbook.scratch
        def answer(*a):
            module = getattr(dlbook.scratch, "".join(["{last}"]))
            out = []
            thread = threading.Thread(target=lambda: out.append(module.{fn}(*a)))
            thread.start()
            thread.join()
            return out[0]
    """,
}


def learners_cell(source: str, **names) -> dict:
    """Run ``source`` as a learner's notebook cell; return its namespace."""
    namespace: dict = {"__name__": "__learner__"}
    code = textwrap.dedent(source).format(**names)
    exec(compile(code, "<learner's cell>", "exec"), namespace)
    return namespace


def _forbidden_entries() -> dict:
    return {k: v for k, v in sys.modules.items() if k.startswith(("torch", "dlbook"))}


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("evasion", list(EVASIONS))
@pytest.mark.parametrize("chapter", list(CHAPTERS))
def test_the_chapters_solution_is_refused_however_it_is_reached(chapter, evasion):
    reference_name, mod, fn, args = CHAPTERS[chapter]
    reference = importlib.import_module(reference_name)
    names = {"mod": mod, "fn": fn, "sub": mod.split(".", 1)[1], "last": mod[15:]}
    answer = learners_cell(EVASIONS[evasion], **names)["answer"]
    modules_before = _forbidden_entries()
    with pytest.raises(AssertionError) as error:
        reference.numpy_only_answer(answer, *args, name="answer")
    message = str(error.value)
    assert message.startswith("answer must use NumPy only, but it "), message
    # the forbidden module that holds the solution: the chapter's, or a whole package
    holder = next(f for f in reference.FORBIDDEN if mod == f or mod.startswith(f + "."))
    if evasion == "guard turned off":  # unless the whole package is refused by name
        assert "turns the guard off" in message or f"(from {holder})" in message
    elif evasion == "module alias" or holder != mod:
        # refused by the module's name, as torch is: "solution (from dlbook.scratch)"
        assert fn in message or f"(from {holder})" in message, message
    else:
        assert fn in message, message  # it names the function it refused
    assert _forbidden_entries() == modules_before
    assert sys.getprofile() is None
    assert threading.getprofile() is None


def test_an_import_with_a_computed_name_is_refused():
    answer = learners_cell(
        """
        import importlib
        def answer(*a):
            return importlib.import_module(".".join(["dlbook", "scratch", "rnn"]))
        """
    )["answer"]
    with pytest.raises(AssertionError, match="answer must use NumPy only, but it "):
        rnn_reference.numpy_only_answer(answer, 1)


def test_torch_reached_through_an_object_is_refused_during_the_call():
    # the static look cannot see the attribute's name; the call to torch.tanh is refused
    holder = learners_cell(
        """
        def answer(x):
            torch = getattr(box, "".join(["t", "orch"]))
            return torch.tanh(torch.from_numpy(x)).numpy()
        """
    )
    holder["box"] = types.SimpleNamespace(torch=torch)
    with pytest.raises(AssertionError, match=r"but it calls torch\.from_numpy"):
        rnn_reference.numpy_only_answer(holder["answer"], np.ones(3))
    assert torch.tanh(torch.zeros(1)).item() == 0.0  # torch works again


def test_torch_imported_with_a_computed_name_is_refused():
    answer = learners_cell(
        """
        def answer(x):
            return __import__("".join(["tor", "ch"])).from_numpy(x).numpy()
        """
    )["answer"]
    with pytest.raises(
        AssertionError, match="answer must use NumPy only, but it imports torch"
    ):
        rnn_reference.numpy_only_answer(answer, np.ones(3))


ACCEPTED = {
    "NumPy": """
        import numpy as np
        def answer(x):
            return np.tanh(np.asarray(x)) * 2
    """,
    "math": """
        import math
        def answer(x):
            return sum(math.exp(v) for v in x)
    """,
    "NumPy through a package chain": """
        import numpy
        def answer(x):
            return numpy.linalg.norm(numpy.lib.stride_tricks.as_strided(x))
    """,
    "the learner's helpers": """
        import numpy as np
        def sigmoid(z):
            return 1 / (1 + np.exp(-z))
        scaled = lambda z: 2 * sigmoid(z)
        def answer(x, *, scale=scaled):
            return scale(x) + sigmoid(x)
    """,
    "the learner's class": """
        import functools
        import numpy as np
        class Layer:
            def __init__(self, w):
                self.w = w
            def __call__(self, x):
                return np.maximum(x * self.w, 0)
            @staticmethod
            def make():
                return Layer(2.0)
        double = functools.partial(np.multiply, 2.0)
        def answer(x):
            return Layer.make()(double(x))
    """,
    "recursion": """
        import numpy as np
        def answer(x):
            if x.size <= 1:
                return x.copy()
            half = x.size // 2
            return np.concatenate([answer(x[:half]), answer(x[half:])])
    """,
    "dlbook's own helpers outside the chapter": """
        import dlbook.scratch.layers
        import numpy as np
        def answer(x):
            return np.asarray(x) + (dlbook.scratch.layers is not None)
    """,
}


@pytest.mark.parametrize("kind", list(ACCEPTED))
def test_numpy_answers_are_accepted(kind):
    answer = learners_cell(ACCEPTED[kind])["answer"]
    x = np.linspace(-1.0, 1.0, 5)
    expected = answer(x)
    modules_before = _forbidden_entries()
    got = rnn_reference.numpy_only_answer(answer, x)
    np.testing.assert_allclose(got, expected)
    assert _forbidden_entries() == modules_before
    assert sys.getprofile() is None


@pytest.mark.parametrize("outcome", ["returns", "raises", "times out", "is refused"])
def test_modules_and_profile_hooks_are_restored(outcome):
    importlib.import_module("dlbook.scratch.rnn")  # hidden during the call, then back
    calls = []

    def own_hook(frame, event, arg):  # a profiler of the grader's own, left in place
        calls.append(event)

    answer = learners_cell(
        """
        import dlbook.scratch
        def answer(x):
            if OUTCOME == "raises":
                raise ValueError("the learner's bug")
            while OUTCOME == "times out":
                pass
            if OUTCOME == "is refused":
                solution = getattr(dlbook.scratch, "".join(["r", "nn"]))
                solution.rnn_step_forward(x, x, x, x, x)  # defined in the module
            return x
        """
    )
    answer["OUTCOME"] = outcome
    modules_before = _forbidden_entries()
    sys.setprofile(own_hook)
    threading.setprofile(own_hook)
    try:
        if outcome == "returns":
            rnn_reference.numpy_only_answer(answer["answer"], 1.0, seconds=0.5)
        else:
            with pytest.raises(AssertionError):
                rnn_reference.numpy_only_answer(answer["answer"], 1.0, seconds=0.5)
        assert sys.getprofile() is own_hook
        assert threading.getprofile() is own_hook
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    assert _forbidden_entries() == modules_before
    assert sys.modules["dlbook.scratch.rnn"].sigmoid(0.0) == 0.5  # usable again


def test_the_references_stay_usable_outside_the_answer():
    args = CHAPTERS["rnn"][3]
    h, c = rnn_reference.lstm_cell_forward(*args)
    with pytest.raises(AssertionError, match="must use NumPy only"):
        rnn_reference.numpy_only_answer(
            learners_cell(EVASIONS["attribute chain"], **_rnn_names())["answer"], *args
        )
    h2, c2 = rnn_reference.lstm_cell_forward(*args)
    np.testing.assert_allclose(h, h2)
    np.testing.assert_allclose(c, c2)


def _rnn_names() -> dict:
    return {"mod": "dlbook.scratch.rnn", "fn": "lstm_cell_forward"}


# --- write_tests: an exercise notebook carries its public tests -----------------------


ACTIVATIONS = ("sigmoid", "sigmoid_grad", "tanh_grad", "relu", "relu_grad")


def _exercise_alone(tmp_path, monkeypatch, name="01-neurons.ipynb"):
    """A copy of the exercise notebook alone in an empty folder, made the working
    directory (as a learner who downloaded that one file has it)."""
    (tmp_path / name).write_bytes((EXERCISES / name).read_bytes())
    monkeypatch.chdir(tmp_path)
    return name


def _wrong_sigmoid(z):
    return 1 / (1 + np.exp(z))  # the sign of the exponent slipped


def _grades_of_activations(grader) -> tuple:
    """What ``grader`` gives question 1 for the course's answers, then for the same
    answers with a slipped sigmoid."""
    answers = {fn: getattr(neuron, fn) for fn in ACTIVATIONS}
    slipped = {**answers, "sigmoid": _wrong_sigmoid}
    return (
        grader.check("ch01-activations", answers),
        grader.check("ch01-activations", slipped),
    )


def test_an_exercise_notebook_grades_itself(tmp_path, monkeypatch):
    import otter

    grader = otter.Notebook(_exercise_alone(tmp_path, monkeypatch))
    right, wrong = _grades_of_activations(grader)
    assert right.grade == 1
    assert wrong.grade < 1 and "sigmoid(z) is wrong" in repr(wrong)
    # check_all runs this notebook's questions, not every chapter's
    assert set(grader.check_all().results) == {
        "ch01-activations",
        "ch01-gd-step",
        "ch01-logistic-fit",
        "ch01-losses",
    }


def test_colab_grades_from_the_tests_written_out(tmp_path, monkeypatch):
    import otter
    import otter.check.utils

    name = _exercise_alone(tmp_path, monkeypatch)
    # what otter sees in Colab: an IPython shell of google.colab's
    monkeypatch.setattr(otter.check.utils, "get_ipython", lambda: "google.colab.Shell")
    with pytest.raises(ValueError, match="does not exist"):
        otter.Notebook(name)  # otter there reads tests from files only
    written = write_tests(name)
    stored = json.loads((tmp_path / name).read_text())["metadata"]["otter"]["tests"]
    assert {p.stem: p.read_text() for p in written} == stored
    assert {p.name for p in (tmp_path / "tests").iterdir()} == {
        f"{question}.py" for question in stored
    }
    right, wrong = _grades_of_activations(otter.Notebook(name))
    assert right.grade == 1
    assert wrong.grade < 1


def test_write_tests_says_when_a_notebook_holds_none(tmp_path):
    plain = tmp_path / "chapter.ipynb"
    plain.write_text(json.dumps({"cells": [], "metadata": {}}))
    with pytest.raises(ValueError, match="stores no otter tests"):
        write_tests(plain, tmp_path / "tests")
    assert not (tmp_path / "tests").exists()
