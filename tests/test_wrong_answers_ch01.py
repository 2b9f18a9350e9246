"""Exercises 1 (solutions/01-neurons.ipynb): plausible wrong answers, each failed by the
master's own tests with a message a learner can act on (see wrong_answers.py)."""

from __future__ import annotations

from functools import partial

from wrong_answers import mutate, standard_tests

STEM = "01-neurons"
_mutate = partial(mutate, STEM)


ACTIVATIONS = "ch01-activations"
STABLE_SIGMOID = (
    "    z = np.asarray(z, dtype=float)\n"
    "    e = np.exp(-np.abs(z))\n"
    "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"
)
LOSSES = "ch01-losses"
GD_STEP = "ch01-gd-step"
FIT = "ch01-logistic-fit"

WRONG = {
    ACTIVATIONS: {
        # exp(1000) overflows: the values are right, the warning is the bug
        "sigmoid that overflows": _mutate(
            ACTIVATIONS, STABLE_SIGMOID, "    return 1 / (1 + np.exp(-z))"
        ),
        "sigmoid as exp(z) / (1 + exp(z)), NaN at 1000": _mutate(
            ACTIVATIONS, STABLE_SIGMOID, "    return np.exp(z) / (1 + np.exp(z))"
        ),
        "sigmoid_grad with a sign slip": _mutate(
            ACTIVATIONS, "return s * (1 - s)", "return s * (1 + s)"
        ),
        "sigmoid_grad by an unstable formula": _mutate(
            ACTIVATIONS,
            "    s = sigmoid(z)\n    return s * (1 - s)",
            "    return np.exp(-z) / (1 + np.exp(-z)) ** 2",
        ),
        "tanh_grad without the square": _mutate(
            ACTIVATIONS, "1 - np.tanh(z) ** 2", "1 - np.tanh(z)"
        ),
        "relu_grad of 1 at 0": _mutate(ACTIVATIONS, "> 0).astype", ">= 0).astype"),
        "relu with np.max (a reduction)": _mutate(
            ACTIVATIONS, "np.maximum(z, 0)", "np.max(z, 0)"
        ),
        "relu in place": _mutate(
            ACTIVATIONS, "return np.maximum(z, 0)", "z[z < 0] = 0\n    return z"
        ),
    },
    LOSSES: {
        "mse_grad without the factor 2": _mutate(
            LOSSES, "return 2 * (y_hat - y) / len(y)", "return (y_hat - y) / len(y)"
        ),
        "mse_grad with a sign slip": _mutate(
            LOSSES, "2 * (y_hat - y) / len(y)", "2 * (y - y_hat) / len(y)"
        ),
        "mse summed, not averaged": _mutate(
            LOSSES, "np.mean((y_hat - y) ** 2)", "np.sum((y_hat - y) ** 2)"
        ),
        "mse_grad in place": _mutate(
            LOSSES,
            "return 2 * (y_hat - y) / len(y)",
            "y_hat -= y\n    return 2 * y_hat / len(y)",
        ),
        "bce by log(sigmoid), infinite at 1000": _mutate(
            LOSSES,
            "return float(np.mean(np.maximum(z, 0) - z * y"
            " + np.log1p(np.exp(-np.abs(z)))))",
            "p = sigmoid(z)\n"
            "    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))",
        ),
        "bce by log1p(exp(z)), which overflows": _mutate(
            LOSSES,
            "np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))",
            "np.log1p(np.exp(z)) - z * y",
        ),
        "bce with a sign slip": _mutate(LOSSES, "- z * y +", "+ z * y +"),
        "bce_grad without the 1/N": _mutate(
            LOSSES, "return (sigmoid(z) - y) / len(y)", "return sigmoid(z) - y"
        ),
        "bce_grad with a sign slip": _mutate(
            LOSSES, "(sigmoid(z) - y) / len(y)", "(y - sigmoid(z)) / len(y)"
        ),
    },
    GD_STEP: {
        "grad_w without the factor 2": _mutate(
            GD_STEP, "grad_w = 2 / len(y)", "grad_w = 1 / len(y)"
        ),
        "a step up the gradient": _mutate(
            GD_STEP,
            "return w - lr * grad_w, b - lr * grad_b",
            "return w + lr * grad_w, b + lr * grad_b",
        ),
        "the bias forgotten in the residual": _mutate(
            GD_STEP, "residual = X @ w + b - y", "residual = X @ w - y"
        ),
        "divided by d instead of N": _mutate(
            GD_STEP, "2 / len(y)", "2 / len(w)", count=2
        ),
        "grad_b not summed (an array)": _mutate(GD_STEP, "residual.sum()", "residual"),
        "residual with a sign slip": _mutate(
            GD_STEP, "residual = X @ w + b - y", "residual = y - X @ w - b"
        ),
        "w updated in place": _mutate(
            GD_STEP,
            "return w - lr * grad_w, b - lr * grad_b",
            "w -= lr * grad_w\n    return w, b - lr * grad_b",
        ),
    },
    FIT: {
        "one step short": _mutate(FIT, "range(steps)", "range(steps - 1)"),
        "the bias never updated": _mutate(FIT, "        b = b - lr * dz.sum()\n", ""),
        "a step up the gradient": _mutate(
            FIT, "w = w - lr * X.T @ dz", "w = w + lr * X.T @ dz"
        ),
        "starts from w = 1": _mutate(
            FIT, "np.zeros(X.shape[1])", "np.ones(X.shape[1])"
        ),
        "the MSE's gradient instead of the cross-entropy's": _mutate(
            FIT,
            "dz = bce_with_logits_grad(X @ w + b, y)",
            "dz = mse_grad(sigmoid(X @ w + b), y) * sigmoid_grad(X @ w + b)",
        ),
        "summed, not averaged, gradient": _mutate(
            FIT,
            "dz = bce_with_logits_grad(X @ w + b, y)",
            "dz = sigmoid(X @ w + b) - y",
        ),
        "b's gradient from the updated w": _mutate(
            FIT,
            "b = b - lr * dz.sum()",
            "b = b - lr * bce_with_logits_grad(X @ w + b, y).sum()",
        ),
    },
}


(
    test_every_question_is_tried,
    test_the_solution_passes,
    test_wrong_answer_is_caught,
) = standard_tests(STEM, WRONG)
