"""Chapter 4's graded questions against the wrong answers learners write.

Every question of ``solutions/04-rnn.ipynb`` is graded, with its own public and hidden
tests (:mod:`wrong_answers`), against plausible slips: a sign, a transpose or an
off-by-one in time, a forgotten factor or term, the wrong axis, an input changed in
place, an exponential that overflows, a fresh random generator, and the chapter's own
code (``dlbook.scratch.rnn``) reached by every road into it. Each must fail with a
message a learner can act on, and the master's own solution must pass.
"""

from __future__ import annotations

from functools import partial

from wrong_answers import mutate, mutate_all, standard_tests

STEM = "04-rnn"
slips = partial(mutate_all, STEM)


def with_header(header: str, question: str, *changes: tuple[str, str]) -> str:
    """``header`` (an import, a module-level value) above the solution with
    ``changes``."""
    return header + "\n\n\n" + slips(question, *changes)


STEP = "ch04-rnn-step"
BPTT = "ch04-rnn-bptt"
FIT = "ch04-fit-sequence"
CLIP = "ch04-clip-global-norm"
LSTM = "ch04-lstm-cell"
LSTM_BACK = "ch04-lstm-backward"
TEMPERATURE = "ch04-temperature"

NAIVE_SIGMOID = "sig = lambda v: 1 / (1 + np.exp(-v))"
STABLE_SIGMOID = "sig = lambda v: 0.5 * (1 + np.tanh(0.5 * v))"

# the body of two refused answers that differ in how they reach the package's backward
LSTM_BY_THE_PACKAGE = """    H = h_prev.shape[1]
    a = x @ W_x + h_prev @ W_h + b
    gates = 0.5 * (1 + np.tanh(0.5 * a))
    gates[:, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])
    c = gates[:, H : 2 * H] * c_prev + gates[:, :H] * gates[:, 2 * H : 3 * H]
    grad_a, dc_prev = backward(grad_h, grad_c, c_prev, gates, c)
    return (
        grad_a @ W_x.T,
        grad_a @ W_h.T,
        dc_prev,
        x.T @ grad_a,
        h_prev.T @ grad_a,
        grad_a.sum(axis=0),
    )
"""

WRONG = {
    STEP: {
        "tanh derivative 1 - h": mutate(STEM, STEP, "(1 - h**2)", "(1 - h)"),
        "no tanh derivative": mutate(
            STEM, STEP, "grad_a = grad_h * (1 - h**2)", "grad_a = grad_h"
        ),
        "dW_x transposed": mutate(STEM, STEP, "x.T @ grad_a", "grad_a.T @ x"),
        "dh_prev through W_h, not transposed": mutate(
            STEM, STEP, "grad_a @ W_h.T", "grad_a @ W_h"
        ),
        "db summed over the wrong axis": mutate(
            STEM, STEP, "grad_a.sum(axis=0)", "grad_a.sum(axis=1)"
        ),
        "db averaged over the batch": mutate(
            STEM, STEP, "grad_a.sum(axis=0)", "grad_a.mean(axis=0)"
        ),
        "forward with a sigmoid": mutate(
            STEM,
            STEP,
            "return np.tanh(x @ W_x + h_prev @ W_h + b)",
            "return 1 / (1 + np.exp(-(x @ W_x + h_prev @ W_h + b)))",
        ),
        "grad_h changed in place": mutate(
            STEM,
            STEP,
            "grad_a = grad_h * (1 - h**2)",
            "grad_a = grad_h\n    grad_a *= 1 - h**2",
        ),
        "the chapter's code via import dlbook.scratch.rnn": with_header(
            "import dlbook.scratch.rnn",
            STEP,
            (
                "return np.tanh(x @ W_x + h_prev @ W_h + b)",
                "return dlbook.scratch.rnn.rnn_step_forward(x, h_prev, W_x, W_h, b)",
            ),
        ),
        "the chapter's code via from-import": with_header(
            "from dlbook.scratch.rnn import rnn_step_backward as chapter_backward",
            STEP,
            (
                "    grad_a = grad_h * (1 - h**2)\n",
                "    return chapter_backward(grad_h, x, h_prev, h, W_x, W_h)\n",
            ),
        ),
    },
    BPTT: {
        "no gradient from the next step (4.4)": mutate(
            STEM, BPTT, "grad_h = grad_hs[:, t] + grad_next", "grad_h = grad_hs[:, t]"
        ),
        "BPTT truncated to the last 20 steps": mutate(
            STEM,
            BPTT,
            "for t in reversed(range(T)):",
            "for t in reversed(range(T)):\n"
            "        if t < T - 20:\n            dxs[:, t] = 0\n            continue",
        ),
        "dW_h from h_t instead of h_(t-1)": mutate(
            STEM,
            BPTT,
            "h_prev = h0 if t == 0 else hs[:, t - 1]",
            "h_prev = hs[:, t]",
        ),
        "h0 taken as zeros at the first step": mutate(
            STEM, BPTT, "h_prev = h0 if t == 0", "h_prev = 0 * h0 if t == 0"
        ),
        "weight gradients of the first step only": slips(
            BPTT,
            ("dW_x += dW_x_t", "dW_x = dW_x_t"),
            ("dW_h += dW_h_t", "dW_h = dW_h_t"),
            ("db += db_t", "db = db_t"),
        ),
        "weight gradients averaged over time": mutate(
            STEM,
            BPTT,
            "return dxs, grad_next, dW_x, dW_h, db",
            "return dxs, grad_next, dW_x / T, dW_h / T, db / T",
        ),
        "dh0 taken before the last step back": mutate(
            STEM,
            BPTT,
            "return dxs, grad_next, dW_x",
            "return dxs, grad_h, dW_x",
        ),
        "forward restarts from h0 at every step": mutate(
            STEM,
            BPTT,
            "h = rnn_step_forward(xs[:, t], h, W_x, W_h, b)",
            "h = rnn_step_forward(xs[:, t], h0, W_x, W_h, b)",
        ),
        "states stored time-major (T, N, H)": slips(
            BPTT,
            (
                "hs = np.empty((N, T, h0.shape[1]))",
                "hs = np.empty((T, N, h0.shape[1]))",
            ),
            ("hs[:, t] = h", "hs[t] = h"),
        ),
        "grad_hs accumulated in place": mutate(
            STEM,
            BPTT,
            "grad_h = grad_hs[:, t] + grad_next  # (4.4)",
            "grad_h = grad_hs[:, t]\n        grad_h += grad_next  # (4.4)",
        ),
        "one step written inline, W_h not transposed (4.6)": slips(
            BPTT,
            (
                "dxs[:, t], grad_next, dW_x_t, dW_h_t, db_t = rnn_step_backward(\n"
                "            grad_h, xs[:, t], h_prev, hs[:, t], W_x, W_h\n"
                "        )",
                "grad_a = grad_h * (1 - hs[:, t] ** 2)\n"
                "        dxs[:, t], grad_next = grad_a @ W_x.T, grad_a @ W_h\n"
                "        dW_x_t, dW_h_t = xs[:, t].T @ grad_a, h_prev.T @ grad_a\n"
                "        db_t = grad_a.sum(axis=0)",
            ),
        ),
        "the chapter's step via importlib": with_header(
            "import importlib",
            BPTT,
            (
                "= rnn_step_backward(",
                '= importlib.import_module("dlbook.scratch.rnn").rnn_step_backward(',
            ),
        ),
        "the chapter's module imported inside the function": slips(
            BPTT,
            (
                "    N, T, _ = xs.shape\n",
                "    from dlbook.scratch import rnn as chapter\n\n"
                "    N, T, _ = xs.shape\n",
            ),
            (
                "h = rnn_step_forward(xs[:, t]",
                "h = chapter.rnn_step_forward(xs[:, t]",
            ),
        ),
    },
    FIT: {
        "gradient ascent": slips(
            FIT,
            (
                "W_x - lr * dW_x, W_h - lr * dW_h, b - lr * db",
                "W_x + lr * dW_x, W_h + lr * dW_h, b + lr * db",
            ),
            ("W_y - lr * dW_y, b_y - lr * db_y", "W_y + lr * dW_y, b_y + lr * db_y"),
        ),
        "the factor 2 of the squared error forgotten": mutate(
            STEM, FIT, "grad_y = 2 * error / error.size", "grad_y = error / error.size"
        ),
        "the gradient of the sum, not of the mean": mutate(
            STEM, FIT, "grad_y = 2 * error / error.size", "grad_y = 2 * error"
        ),
        "the mean over the sequences only": mutate(
            STEM, FIT, "grad_y = 2 * error / error.size", "grad_y = 2 * error / len(xs)"
        ),
        "W_h never updated": mutate(STEM, FIT, "W_h - lr * dW_h", "W_h"),
        "b_y never updated": mutate(STEM, FIT, "b_y - lr * db_y", "b_y"),
        "the loss summed, not averaged": mutate(
            STEM, FIT, "float(np.mean(error**2))", "float(np.sum(error**2))"
        ),
        "a gradient at the last step only": mutate(
            STEM,
            FIT,
            "rnn_backward(grad_y @ W_y.T,",
            "rnn_backward(\n"
            "            np.concatenate(\n"
            "                [0 * grad_y[:, :-1] @ W_y.T, grad_y[:, -1:] @ W_y.T],\n"
            "                axis=1,\n"
            "            ),",
        ),
        "the weights updated in place": slips(
            FIT,
            (
                "W_x, W_h, b = W_x - lr * dW_x, W_h - lr * dW_h, b - lr * db",
                "W_x -= lr * dW_x\n        W_h -= lr * dW_h\n        b -= lr * db",
            ),
            (
                "W_y, b_y = W_y - lr * dW_y, b_y - lr * db_y",
                "W_y -= lr * dW_y\n        b_y -= lr * db_y",
            ),
        ),
        "the initial weights returned": mutate(
            STEM,
            FIT,
            "return (W_x, W_h, b, W_y, b_y), losses",
            "return params, losses",
        ),
        "the chapter's step via importlib and getattr": with_header(
            "import importlib",
            FIT,
            (
                "        hs = rnn_forward(xs, h0, W_x, W_h, b)\n",
                '        chapter = importlib.import_module("dlbook.scratch.rnn")\n'
                '        step = getattr(chapter, "rnn_step_forward")\n'
                "        h, states = h0, []\n"
                "        for t in range(xs.shape[1]):\n"
                "            h = step(xs[:, t], h, W_x, W_h, b)\n"
                "            states.append(h)\n"
                "        hs = np.stack(states, axis=1)\n",
            ),
        ),
    },
    CLIP: {
        "each array clipped by its own norm": """
def clip_by_global_norm(grads, max_norm):
    return [g * min(1.0, max_norm / np.sqrt(np.sum(g**2))) for g in grads]
""",
        "always rescaled to max_norm": mutate(
            STEM, CLIP, "min(1.0, max_norm / total)", "max_norm / total"
        ),
        "no square root": mutate(
            STEM,
            CLIP,
            "total = np.sqrt(sum(np.sum(g**2) for g in grads))",
            "total = sum(np.sum(g**2) for g in grads)",
        ),
        "the ratio inverted": mutate(
            STEM, CLIP, "min(1.0, max_norm / total)", "min(1.0, total / max_norm)"
        ),
        "the sum of the arrays' norms": mutate(
            STEM,
            CLIP,
            "total = np.sqrt(sum(np.sum(g**2) for g in grads))",
            "total = sum(np.sqrt(np.sum(g**2)) for g in grads)",
        ),
        "the largest entry as the norm": mutate(
            STEM,
            CLIP,
            "total = np.sqrt(sum(np.sum(g**2) for g in grads))",
            "total = max(np.abs(g).max() for g in grads)",
        ),
        "arrays scaled in place": mutate(
            STEM,
            CLIP,
            "    return [g * scale for g in grads]",
            "    for g in grads:\n        g *= scale\n    return grads",
        ),
        "the chapter's clip_grad_norm via import dlbook.scratch.rnn": """
import dlbook.scratch.rnn


def clip_by_global_norm(grads, max_norm):
    grads = [g.copy() for g in grads]
    dlbook.scratch.rnn.clip_grad_norm(grads, max_norm)
    return grads
""",
        "the chapter's clip_grad_norm via __import__": """
def clip_by_global_norm(grads, max_norm):
    grads = [g.copy() for g in grads]
    chapter = __import__("dlbook.scratch.rnn", fromlist=["clip_grad_norm"])
    chapter.clip_grad_norm(grads, max_norm)
    return grads
""",
        "the library's clip_grad_norm from dlbook.scratch.optim": """
from dlbook.scratch.optim import clip_grad_norm


def clip_by_global_norm(grads, max_norm):
    grads = [g.copy() for g in grads]
    clip_grad_norm(grads, max_norm)
    return grads
""",
    },
    LSTM: {
        "gates in the order i, f, o, g": mutate(
            STEM,
            LSTM,
            "np.tanh(a[:, 2 * H : 3 * H]),\n        sig(a[:, 3 * H :]),",
            "np.tanh(a[:, 3 * H :]),\n        sig(a[:, 2 * H : 3 * H]),",
        ),
        "h without the tanh of c": mutate(
            STEM, LSTM, "return o * np.tanh(c), c", "return o * c, c"
        ),
        "the forget gate on h_prev": mutate(STEM, LSTM, "f * c_prev", "f * h_prev"),
        "a sigmoid for the candidate": mutate(
            STEM, LSTM, "np.tanh(a[:, 2 * H : 3 * H])", "sig(a[:, 2 * H : 3 * H])"
        ),
        "the naive sigmoid, which overflows": mutate(
            STEM, LSTM, STABLE_SIGMOID, NAIVE_SIGMOID
        ),
        "exp(a) / (1 + exp(a)), NaN when saturated": mutate(
            STEM,
            LSTM,
            STABLE_SIGMOID,
            "sig = lambda v: np.exp(v) / (1 + np.exp(v))",
        ),
        "np.where 'stable' sigmoid that overflows in the branch it drops": mutate(
            STEM,
            LSTM,
            STABLE_SIGMOID,
            "sig = lambda v: np.where(\n"
            "        v >= 0, 1 / (1 + np.exp(-v)), np.exp(v) / (1 + np.exp(v))\n"
            "    )",
        ),
        "c_prev changed in place": mutate(
            STEM,
            LSTM,
            "c = f * c_prev + i * g",
            "c = c_prev\n    c *= f\n    c += i * g",
        ),
        "the chapter's cell via import dlbook.scratch.rnn": """
def lstm_cell_forward(x, h_prev, c_prev, W_x, W_h, b):
    import dlbook.scratch.rnn

    return dlbook.scratch.rnn.lstm_cell_forward(x, h_prev, c_prev, W_x, W_h, b)
""",
        "the chapter's cell via importlib": """
import importlib


def lstm_cell_forward(x, h_prev, c_prev, W_x, W_h, b):
    chapter = importlib.import_module("dlbook.scratch.rnn")
    return chapter.lstm_cell_forward(x, h_prev, c_prev, W_x, W_h, b)
""",
    },
    LSTM_BACK: {
        "no path from h into c (4.14)": mutate(
            STEM,
            LSTM_BACK,
            "grad_c = grad_c + grad_h * o * (1 - tanh_c**2)",
            "grad_c = grad_c",
        ),
        "dc_prev without the forget gate": mutate(
            STEM, LSTM_BACK, "grad_c * f,  # (4.14)", "grad_c,  # (4.14)"
        ),
        "grad_c changed in place": mutate(
            STEM,
            LSTM_BACK,
            "grad_c = grad_c + grad_h * o * (1 - tanh_c**2)",
            "grad_c += grad_h * o * (1 - tanh_c**2)",
        ),
        "the output gate's derivative as tanh's": mutate(
            STEM, LSTM_BACK, "tanh_c * o * (1 - o)", "tanh_c * (1 - o**2)"
        ),
        "the candidate's derivative 1 - g": mutate(
            STEM, LSTM_BACK, "grad_c * i * (1 - g**2)", "grad_c * i * (1 - g)"
        ),
        "the output gate's gradient with c, not tanh(c)": mutate(
            STEM, LSTM_BACK, "grad_h * tanh_c * o", "grad_h * c * o"
        ),
        "the forget gate's gradient with h_prev": mutate(
            STEM, LSTM_BACK, "grad_c * c_prev * f", "grad_c * h_prev * f"
        ),
        "gate gradients in the order i, f, o, g": mutate(
            STEM,
            LSTM_BACK,
            "            grad_c * i * (1 - g**2),\n"
            "            grad_h * tanh_c * o * (1 - o),\n",
            "            grad_h * tanh_c * o * (1 - o),\n"
            "            grad_c * i * (1 - g**2),\n",
        ),
        "dW_x averaged over the batch": mutate(
            STEM, LSTM_BACK, "x.T @ grad_a,", "x.T @ grad_a / len(x),"
        ),
        "the naive sigmoid, which overflows": mutate(
            STEM, LSTM_BACK, STABLE_SIGMOID, NAIVE_SIGMOID
        ),
        "the sigmoid's derivative from exp, NaN when saturated": mutate(
            STEM,
            LSTM_BACK,
            "grad_c * g * i * (1 - i)",
            "grad_c * g * np.exp(-a[:, :H]) / (1 + np.exp(-a[:, :H])) ** 2",
        ),
        "the chapter's backward via import dlbook.scratch.rnn": """
import dlbook.scratch.rnn


def lstm_cell_backward(grad_h, grad_c, x, h_prev, c_prev, W_x, W_h, b):
    backward = dlbook.scratch.rnn.lstm_cell_backward
"""
        + LSTM_BY_THE_PACKAGE,
        "the chapter's backward via getattr on an in-function import": """
def lstm_cell_backward(grad_h, grad_c, x, h_prev, c_prev, W_x, W_h, b):
    from dlbook import scratch

    backward = getattr(getattr(scratch, "rnn"), "lstm_cell_backward")
"""
        + LSTM_BY_THE_PACKAGE,
    },
    TEMPERATURE: {
        "no max shift": mutate(
            STEM, TEMPERATURE, "np.exp(scaled - scaled.max())", "np.exp(scaled)"
        ),
        "shifted by the mean": mutate(
            STEM, TEMPERATURE, "scaled - scaled.max()", "scaled - scaled.mean()"
        ),
        "temperature multiplies": mutate(
            STEM, TEMPERATURE, "/ temperature", "* temperature"
        ),
        "a fresh generator": mutate(
            STEM, TEMPERATURE, "rng.choice(", "np.random.default_rng().choice("
        ),
        "NumPy's global generator": mutate(
            STEM, TEMPERATURE, "rng.choice(", "np.random.choice("
        ),
        "a generator seeded inside": mutate(
            STEM, TEMPERATURE, "rng.choice(", "np.random.default_rng(0).choice("
        ),
        "a module-level generator": with_header(
            "generator = np.random.default_rng(0)",
            TEMPERATURE,
            ("rng.choice(", "generator.choice("),
        ),
        "greedy: the largest logit": mutate(
            STEM,
            TEMPERATURE,
            "return int(rng.choice(len(probs), p=probs))",
            "return int(np.argmax(probs))",
        ),
        "logits divided in place": mutate(
            STEM,
            TEMPERATURE,
            "scaled = np.asarray(logits, dtype=float) / temperature",
            "scaled = logits\n    scaled /= temperature",
        ),
        "the chapter's sampler via import dlbook.scratch.rnn": """
import dlbook.scratch.rnn


def sample_with_temperature(logits, temperature, rng):
    return dlbook.scratch.rnn.sample_with_temperature(logits, temperature, rng)
""",
    },
}


(
    test_every_question_is_tried,
    test_the_solution_passes,
    test_wrong_answer_is_caught,
) = standard_tests(STEM, WRONG)
