"""Exercises 2 (solutions/02-backprop.ipynb): plausible wrong answers, each failed by
the master's own tests with a message a learner can act on (see wrong_answers.py)."""

from __future__ import annotations

from functools import partial

from wrong_answers import mutate, mutate_all, standard_tests

STEM = "02-backprop"
_mutate = partial(mutate, STEM)
_mutate_all = partial(mutate_all, STEM)


LINEAR = "ch02-linear-backward"
SOFTMAX = "ch02-softmax-ce-backward"
ADAM = "ch02-adam-step"
DROPOUT = "ch02-dropout"
MLP = "ch02-debug-mlp"

WRONG = {
    LINEAR: {
        "grad_x without the transpose": _mutate(
            LINEAR, "grad_out @ W.T", "grad_out @ W"
        ),
        "grad_W transposed": _mutate(LINEAR, "x.T @ grad_out", "grad_out.T @ x"),
        "grad_b summed over the wrong axis": _mutate(
            LINEAR, "grad_out.sum(axis=0)", "grad_out.sum(axis=1)"
        ),
        "grad_b averaged over the batch": _mutate(
            LINEAR, "grad_out.sum(axis=0)", "grad_out.mean(axis=0)"
        ),
        "grad_x with a sign slip": _mutate(
            LINEAR, "grad_x = grad_out @ W.T", "grad_x = -grad_out @ W.T"
        ),
        "grad_W divided by N": _mutate(
            LINEAR, "grad_W = x.T @ grad_out", "grad_W = x.T @ grad_out / len(x)"
        ),
    },
    SOFTMAX: {
        "softmax without the max shift (overflows)": _mutate(
            SOFTMAX,
            "shifted = logits - logits.max(axis=1, keepdims=True)",
            "shifted = logits",
        ),
        "grad not divided by N": _mutate(
            SOFTMAX, "return float(loss), grad / n", "return float(loss), grad"
        ),
        "loss summed, not averaged": _mutate(
            SOFTMAX,
            "loss = -log_probs[np.arange(n), labels].mean()",
            "loss = -log_probs[np.arange(n), labels].sum()",
        ),
        "grad with a sign slip at the labels": _mutate(
            SOFTMAX,
            "grad[np.arange(n), labels] -= 1",
            "grad[np.arange(n), labels] += 1",
        ),
        "softmax normalized over the batch axis": _mutate(
            SOFTMAX,
            "np.exp(shifted).sum(axis=1, keepdims=True)",
            "np.exp(shifted).sum(axis=0, keepdims=True)",
        ),
        "log-sum-exp without keepdims": _mutate(
            SOFTMAX,
            "np.exp(shifted).sum(axis=1, keepdims=True)",
            "np.exp(shifted).sum(axis=1)",
        ),
        "logits shifted in place": _mutate(
            SOFTMAX,
            "shifted = logits - logits.max(axis=1, keepdims=True)",
            "logits -= logits.max(axis=1, keepdims=True)\n    shifted = logits",
        ),
    },
    ADAM: {
        "no bias correction": _mutate_all(
            ADAM,
            ("m_hat = m / (1 - beta1**t)", "m_hat = m"),
            ("v_hat = v / (1 - beta2**t)", "v_hat = v"),
        ),
        "bias correction (1 - beta)**t": _mutate_all(
            ADAM,
            ("m / (1 - beta1**t)", "m / (1 - beta1) ** t"),
            ("v / (1 - beta2**t)", "v / (1 - beta2) ** t"),
        ),
        "eps inside the square root": _mutate(
            ADAM, "np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)"
        ),
        "v of the gradient, not its square": _mutate(
            ADAM, "(1 - beta2) * grad**2", "(1 - beta2) * grad"
        ),
        "returns the corrected moments": _mutate(
            ADAM, "+ eps), m, v", "+ eps), m_hat, v_hat"
        ),
        "a step up the gradient": _mutate(
            ADAM, "return param - lr", "return param + lr"
        ),
        "beta1 and 1 - beta1 swapped": _mutate(
            ADAM,
            "m = beta1 * m + (1 - beta1) * grad",
            "m = (1 - beta1) * m + beta1 * grad",
        ),
        "moments updated in place": _mutate_all(
            ADAM,
            (
                "m = beta1 * m + (1 - beta1) * grad",
                "m *= beta1\n    m += (1 - beta1) * grad",
            ),
            (
                "v = beta2 * v + (1 - beta2) * grad**2",
                "v *= beta2\n    v += (1 - beta2) * grad**2",
            ),
        ),
    },
    DROPOUT: {
        "mask not rescaled": _mutate(
            DROPOUT, "mask = (u >= p) / (1 - p)", "mask = (u >= p) * 1.0"
        ),
        "keeps the entries where u < p": _mutate(DROPOUT, "(u >= p)", "(u < p)"),
        "scaled by 1 - p instead of divided": _mutate(
            DROPOUT, "(u >= p) / (1 - p)", "(u >= p) * (1 - p)"
        ),
        "drops in evaluation mode too": _mutate(
            DROPOUT, "    if not training:\n        return x, np.ones_like(x)\n", ""
        ),
        "backward divides by the mask": _mutate(
            DROPOUT, "return grad_out * mask", "return grad_out / mask"
        ),
        "backward forgets the mask": _mutate(
            DROPOUT, "return grad_out * mask", "return grad_out"
        ),
        "x multiplied in place": _mutate(
            DROPOUT, "return x * mask, mask", "x *= mask\n    return x, mask"
        ),
    },
    MLP: {
        "no sigmoid on the hidden layer": _mutate(
            MLP, "hidden = sigmoid(X @ W1 + b1)", "hidden = X @ W1 + b1"
        ),
        "the loss of a prediction that never changes": _mutate(
            MLP,
            "np.mean((out - y) ** 2)",
            "np.mean((np.zeros_like(y) - y) ** 2)",
        ),
        "the sigmoid's derivative at the targets": _mutate(
            MLP, "/ len(y) * out * (1 - out)", "/ len(y) * y * (1 - y)"
        ),
        "the hidden layer's derivative at the output": _mutate(
            MLP, "* hidden * (1 - hidden)", "* out * (1 - out)"
        ),
        "a step up the gradient": _mutate_all(
            MLP,
            ("W2 = W2 - lr", "W2 = W2 + lr"),
            ("W1 = W1 - lr", "W1 = W1 + lr"),
        ),
        "the biases never updated": _mutate_all(
            MLP,
            ("        b2 = b2 - lr * delta_out.sum(axis=0)\n", ""),
            ("        b1 = b1 - lr * delta_hidden.sum(axis=0)\n", ""),
        ),
        "without the 1/N of the mean": _mutate(
            MLP, "2 * (out - y) / len(y)", "2 * (out - y)"
        ),
        "delta_hidden from the updated W2": _mutate_all(
            MLP,
            ("        delta_hidden = (delta_out @ W2.T) * hidden * (1 - hidden)\n", ""),
            (
                "        b2 = b2 - lr * delta_out.sum(axis=0)\n",
                "        b2 = b2 - lr * delta_out.sum(axis=0)\n"
                "        delta_hidden = (delta_out @ W2.T) * hidden * (1 - hidden)\n",
            ),
        ),
        "parameters updated in place": _mutate_all(
            MLP,
            ("    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()\n", ""),
            ("W2 = W2 - lr", "W2 -= lr"),
            ("b2 = b2 - lr", "b2 -= lr"),
            ("W1 = W1 - lr", "W1 -= lr"),
            ("b1 = b1 - lr", "b1 -= lr"),
        ),
    },
}


(
    test_every_question_is_tried,
    test_the_solution_passes,
    test_wrong_answer_is_caught,
) = standard_tests(STEM, WRONG)
