"""The graded exercises: generated from their masters,
and scored as a learner and an instructor expect.

For every master in solutions/: the committed exercises equal what `otter assign` makes
now; the solutions score full marks under `otter run` (no Docker); the blank exercise
scores zero without crashing the grader; and answers that raise, loop forever, return
the wrong shape or NaN each get a clear message and zero for their question.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import make_exercises
from tools.repository import EXERCISES, SOLUTIONS, exercise_masters

pytestmark = pytest.mark.grading
MASTERS = exercise_masters()
OTTER = str(Path(sys.executable).with_name("otter"))


@pytest.fixture(scope="module")
def assigned(tmp_path_factory) -> dict[str, Path]:
    """`otter assign` output (autograder notebook and zip) for every master."""
    out = {}
    for master in MASTERS:
        target = tmp_path_factory.mktemp(master.stem)
        make_exercises.otter_assign(master, target / "dist")
        out[master.stem] = target / "dist"
    return out


def otter_run(dist: Path, submission: Path) -> dict:
    """Grade ``submission`` with the master's autograder zip; return {question:
    (score, max, output)}."""
    (zip_file,) = (dist / "autograder").glob("*.zip")
    out_dir = submission.parent / f"{submission.stem}-results"
    out_dir.mkdir()
    run = subprocess.run(
        [
            OTTER,
            "run",
            "--no-logo",
            "-a",
            str(zip_file),
            "-o",
            str(out_dir),
            str(submission),
        ],
        capture_output=True,
        text=True,
        cwd=submission.parent,
        timeout=900,
    )
    assert run.returncode == 0, (
        f"otter run crashed on {submission.name}:\n"
        f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    )
    results = json.loads((out_dir / "results.json").read_text())
    return {
        t["name"]: (t["score"], t["max_score"], t["output"])
        for t in results["tests"]
        if t.get("max_score") is not None
    }


def questions(master: Path) -> dict[str, float]:
    """Question names and points, read from the master's BEGIN QUESTION cells."""
    found = {}
    for cell in nbformat.read(master, as_version=4).cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            name = re.search(r"^name:\s*(\S+)", cell.source, re.M).group(1)
            found[name] = float(
                re.search(r"^points:\s*([\d.]+)", cell.source, re.M).group(1)
            )
    return found


def test_there_are_exercises():
    assert MASTERS, "no exercise masters in solutions/"
    for master in MASTERS:
        assert (EXERCISES / master.name).is_file(), (
            f"exercises/{master.name} is missing"
        )
        assert len(questions(master)) >= 4, (
            f"{master.name}: fewer than four graded questions"
        )


def test_committed_exercises_match_otter_assign(tmp_path):
    make_exercises.generate(tmp_path)
    stale = make_exercises.differences(tmp_path, EXERCISES)
    assert not stale, (
        f"exercises/ is out of date with solutions/ (run `make exercises`): {stale}"
    )


def test_learner_notebooks_hold_no_solutions():
    for master in MASTERS:
        text = (EXERCISES / master.name).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "# HIDDEN" not in text, master.name


def test_learner_notebooks_carry_their_public_tests_only():
    """Each exercise notebook stores its questions' public tests in its metadata (one
    downloaded file grades itself), and no hidden test."""
    assert not (EXERCISES / "tests").exists(), "exercises/tests/ is no longer written"
    for master in MASTERS:
        nb = json.loads((EXERCISES / master.name).read_text(encoding="utf-8"))
        tests = nb["metadata"]["otter"]["tests"]
        assert set(tests) == set(questions(master)), master.name
        for question, source in tests.items():
            assert "hidden=False" in source, f"{question}: no public test"
            assert "hidden=True" not in source, f"{question} holds hidden tests"


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_solutions_score_full_marks(master, assigned, tmp_path):
    submission = tmp_path / master.name
    submission.write_bytes(
        (assigned[master.stem] / "autograder" / master.name).read_bytes()
    )
    scores = otter_run(assigned[master.stem], submission)
    expected = questions(master)
    assert set(scores) == set(expected)
    for name, (score, max_score, output) in scores.items():
        assert max_score == expected[name]
        assert score == max_score, (
            f"{name}: the solution scores {score}/{max_score}:\n{output[-2000:]}"
        )


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_blank_exercise_scores_zero(master, assigned, tmp_path):
    submission = tmp_path / master.name
    submission.write_bytes((EXERCISES / master.name).read_bytes())
    scores = otter_run(assigned[master.stem], submission)
    assert set(scores) == set(questions(master))
    for name, (score, _, output) in scores.items():
        assert score == 0, f"{name}: the blank exercise scores {score}"
        assert "not written yet" in output or "is None" in output, (
            f"{name}: unclear message:\n{output[-1500:]}"
        )


RAISES = ("    raise ValueError('my bug')", "raised ValueError at line 2 of")
LOOPS = ("    while True:\n        pass", "did not finish within")

# One kind of broken answer per question, every function of the question broken:
# question -> (function names, code put at the top of each,
#              message the learner must see).
BROKEN = {
    "01-neurons": {
        "ch01-activations": (
            ["sigmoid", "sigmoid_grad", "tanh_grad", "relu", "relu_grad"],
            *RAISES,
        ),
        "ch01-losses": (
            ["mse", "mse_grad", "bce_with_logits", "bce_with_logits_grad"],
            *LOOPS,
        ),
        "ch01-gd-step": (
            ["gd_step"],
            "    return np.zeros((1, 1)), 0.0",
            "has shape (1, 1)",
        ),
        "ch01-logistic-fit": (
            ["fit_logistic"],
            "    return np.full(X.shape[1], np.nan), np.nan",
            "NaN",
        ),
    },
    "02-backprop": {
        "ch02-linear-backward": (["linear_backward"], *RAISES),
        "ch02-softmax-ce-backward": (["softmax_cross_entropy"], *LOOPS),
        "ch02-adam-step": (["adam_step"], *RAISES),
        "ch02-dropout": (["dropout_forward", "dropout_backward"], *LOOPS),
        "ch02-debug-mlp": (["train_mlp"], *RAISES),
    },
    "03-cnn": {
        "ch03-output-size": (["conv_output_size"], *RAISES),
        "ch03-conv-loops": (["conv2d_loops"], *LOOPS),
        # The chapter asks for NumPy: an answer that hands the work to PyTorch
        # is refused, not graded.
        "ch03-conv-im2col": (
            ["im2col", "conv2d_im2col"],
            "    import torch\n"
            "    return torch.nn.functional.conv2d("
            "torch.tensor(x), torch.tensor(weight)).numpy()",
            "must use NumPy only",
        ),
        "ch03-maxpool-backward": (
            ["max_pool2d_backward"],
            "    return np.zeros((1, 1))",
            "has shape (1, 1)",
        ),
        "ch03-grad-cam": (
            ["grad_cam"],
            "    return np.full(activations.shape[1:], np.nan)",
            "NaN",
        ),
    },
    "04-rnn": {
        "ch04-rnn-step": (["rnn_step_forward", "rnn_step_backward"], *RAISES),
        "ch04-lstm-cell": (["lstm_cell_forward"], *LOOPS),
        "ch04-clip-global-norm": (
            ["clip_by_global_norm"],
            "    return [np.full_like(g, np.nan) for g in grads]",
            "NaN",
        ),
        # NumPy only: an answer that samples with PyTorch is refused
        "ch04-temperature": (
            ["sample_with_temperature"],
            "    import torch\n"
            "    probs = torch.softmax(torch.tensor(logits) / temperature, 0)\n"
            "    return int(torch.multinomial(probs, 1))",
            "must use NumPy only",
        ),
    },
    "05-attention": {
        # the textbook formula without the max shift: NaN for huge logits
        "ch05-stable-softmax": (
            ["softmax"],
            "    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)",
            "NaN",
        ),
        # NumPy only: an answer that hands the work to PyTorch is refused
        "ch05-causal-attention": (
            ["causal_attention"],
            "    import torch\n"
            "    q, k, v = (torch.tensor(a) for a in (q, k, v))\n"
            "    return torch.nn.functional.scaled_dot_product_attention("
            "q, k, v, is_causal=True).numpy()",
            "must use NumPy only",
        ),
        "ch05-heads": (
            ["split_heads", "merge_heads"],
            "    return np.zeros((1, 1))",
            "has shape (1, 1)",
        ),
        "ch05-positional-encoding": (["sinusoidal_positions"], *LOOPS),
    },
    "06-autoencoders": {
        "ch06-reparameterize": (["reparameterize"], *RAISES),
        "ch06-gaussian-kl": (
            ["gaussian_kl"],
            "    return np.zeros((1, 1))",
            "has shape (1, 1)",
        ),
        "ch06-elbo-loss": (["elbo_loss"], "    return float('nan')", "NaN"),
        # NumPy only: an answer that hands the work to PyTorch is refused
        "ch06-salt-and-pepper": (
            ["salt_and_pepper"],
            "    import torch\n"
            "    return torch.where(torch.tensor(u) < p, 0.0, torch.tensor(x)).numpy()",
            "must use NumPy only",
        ),
    },
}


def break_functions(nb, names: list[str], body: str) -> None:
    """Insert ``body`` at the top of each named function's definition."""
    for name in names:
        pattern = re.compile(rf"^def {name}\((.*)\):\n", re.M)
        cells = [
            c for c in nb.cells if c.cell_type == "code" and pattern.search(c.source)
        ]
        assert len(cells) == 1, f"def {name} not found once in the notebook"
        cells[0].source = pattern.sub(
            lambda m: m.group(0) + body + "\n", cells[0].source
        )


@pytest.mark.parametrize("stem", sorted(BROKEN))
def test_broken_answers_get_clear_messages_and_zero(stem, assigned, tmp_path):
    master = SOLUTIONS / f"{stem}.ipynb"
    nb = nbformat.read(assigned[stem] / "autograder" / master.name, as_version=4)
    for names, body, _ in BROKEN[stem].values():
        break_functions(nb, names, body)
    submission = tmp_path / master.name
    nbformat.write(nb, submission)
    scores = otter_run(assigned[stem], submission)
    for question, (_, _, message) in BROKEN[stem].items():
        score, max_score, output = scores[question]
        assert score == 0, f"{question}: a broken answer scores {score}/{max_score}"
        assert message in output, (
            f"{question}: expected the message {message!r} in:\n{output[-2000:]}"
        )


def test_an_answer_that_changes_its_inputs_in_place_loses_the_marks(assigned, tmp_path):
    """Exercise 2.5 says "inputs left unchanged": the solution without its copies,
    updating the caller's arrays in place, scores zero and is told why."""
    stem = "02-backprop"
    nb = nbformat.read(assigned[stem] / "autograder" / f"{stem}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.source.startswith("def train_mlp(")]
    copies = "    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()\n"
    assert copies in cell.source
    cell.source = cell.source.replace(copies, "")
    for name in ("W1", "b1", "W2", "b2"):
        assert f"        {name} = {name} - lr" in cell.source
        cell.source = cell.source.replace(
            f"        {name} = {name} - lr", f"        {name} -= lr"
        )
    submission = tmp_path / f"{stem}.ipynb"
    nbformat.write(nb, submission)
    score, max_score, output = otter_run(assigned[stem], submission)["ch02-debug-mlp"]
    assert score == 0, f"an answer that changes its inputs scores {score}/{max_score}"
    assert "changed its input W1 in place" in output, output[-2000:]
