"""Grade plausible wrong answers with a master's own tests, in this process.

Each ``tests/test_wrong_answers_chNN.py`` lists, per question of its master,
wrong answers of the kinds learners write (a sign or transpose slip, a forgotten term,
the wrong axis, an input changed in place, an unstable formula, the package's own
solution). :func:`failures` runs the question's public and hidden test functions, as
otter would, against such an answer: every wrong answer must fail at least one of them
with an ``AssertionError`` whose message a learner can act on.

Running the test functions directly (not through ``otter run``) takes milliseconds per
answer, so every question can be tried against many answers in CI; ``test_exercises.py``
still grades whole notebooks with ``otter run``.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from dataclasses import dataclass
from functools import cache

import nbformat
import pytest

from tools.repository import SOLUTIONS

_TEST_DEF = re.compile(r"^def (test_\w+)\((.*?)\):", re.M | re.S)


@dataclass(frozen=True)
class Question:
    name: str
    solution: str  # the solution cells' source, as the master holds them
    tests: tuple[tuple[str, str], ...]  # (test function's name, its cell's source)
    context: str  # the code a learner's notebook runs before the question's cells


@cache
def questions(stem: str) -> dict[str, Question]:
    """The questions of ``solutions/<stem>.ipynb``: solution source and test cells."""
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    found: dict[str, Question] = {}
    name, part, solution, tests, context = None, None, [], [], []
    for cell in nb.cells:
        text = cell.source
        if cell.cell_type == "raw":
            first = text.strip().splitlines()[0] if text.strip() else ""
            if first == "# BEGIN QUESTION":
                name = re.search(r"^name:\s*(\S+)", text, re.M).group(1)
                solution, tests = [], []
            elif first in ("# BEGIN SOLUTION", "# BEGIN TESTS"):
                part = first.split()[-1]
            elif first in ("# END SOLUTION", "# END TESTS"):
                part = None
            elif first == "# END QUESTION":
                found[name] = Question(
                    name, "\n\n".join(solution), tuple(tests), "\n\n".join(context)
                )
                context += solution
                name = None
            continue
        if cell.cell_type != "code":
            continue
        if name is None:  # imports and helpers between questions (not the set-up)
            if "otter" not in text:
                context.append(text)
            continue
        if part == "SOLUTION":
            solution.append(text)
        elif part == "TESTS":
            match = _TEST_DEF.search(text)
            assert match, f"{stem}/{name}: a test cell without a test function"
            tests.append((match.group(1), text))
    return found


def _namespace(context: str, source: str) -> dict:
    """The learner's notebook: the cells before the question, then the answer."""
    namespace: dict = {"__name__": "__learner__"}
    with contextlib.redirect_stdout(io.StringIO()):  # what the earlier cells print
        exec(compile(context, "<earlier cells>", "exec"), namespace)
    exec(compile(source, "<answer>", "exec"), namespace)
    return namespace


def failures(stem: str, question: str, answer: str) -> list[str]:
    """The messages of the question's tests that ``answer`` (the source of the
    learner's cell, defining the question's functions) fails; empty when it passes.

    A test that fails with anything but an ``AssertionError`` is a grader bug, not a
    message for a learner: it is reported as such.
    """
    q = questions(stem)[question]
    learner = _namespace(q.context, textwrap.dedent(answer))
    messages = []
    for test_name, source in q.tests:
        body = source.split(f"\n\n{test_name}(", 1)[0]  # the definition, not its call
        scope: dict = {"__name__": "__grader__"}
        exec(compile(body.removeprefix("# HIDDEN\n"), test_name, "exec"), scope)
        fn = scope[test_name]
        arguments = fn.__code__.co_varnames[: fn.__code__.co_argcount]
        missing = [a for a in arguments if a not in learner]
        assert not missing, f"{question}: the answer defines no {missing}"
        try:
            fn(*(learner[a] for a in arguments))
        except AssertionError as e:
            messages.append(f"{test_name}: {e}")
        except Exception as e:  # noqa: BLE001
            messages.append(f"GRADER BUG in {test_name}: {type(e).__name__}: {e}")
    return messages


def solution_source(stem: str, question: str) -> str:
    """The master's solution cells, with otter's solution markers removed."""
    lines = questions(stem)[question].solution.splitlines()
    return "\n".join(line for line in lines if line.strip() not in _MARKERS)


_MARKERS = {"# BEGIN SOLUTION", "# END SOLUTION"}


def mutate(stem: str, question: str, old: str, new: str, count: int = 1) -> str:
    """The solution with ``old`` replaced by ``new`` (``old`` must occur ``count``
    times): the way to write most wrong answers as the slip they are."""
    source = solution_source(stem, question)
    found = source.count(old)
    assert found == count, f"{question}: {old!r} occurs {found} times, not {count}"
    return source.replace(old, new)


def mutate_all(stem: str, question: str, *changes: tuple[str, str]) -> str:
    """The solution with several slips at once: each ``(old, new)`` replaces the one
    occurrence of ``old`` (in the source as the earlier changes left it)."""
    source = solution_source(stem, question)
    for old, new in changes:
        found = source.count(old)
        assert found == 1, f"{question}: {old!r} occurs {found} times, not once"
        source = source.replace(old, new)
    return source


def wrong_answer_cases(stem: str, wrong: dict[str, dict[str, str]]) -> list:
    """``pytest.param``s, one per (question, description) of ``wrong``."""
    return [
        pytest.param(stem, question, answer, id=f"{question}:{what}")
        for question, answers in wrong.items()
        for what, answer in answers.items()
    ]


def assert_caught(stem: str, question: str, answer: str) -> list[str]:
    """Assert that ``answer`` fails the question with messages a learner can act on;
    return the messages."""
    found = failures(stem, question, answer)
    assert found, f"{question}: a wrong answer passes every test:\n{answer}"
    bugs = [m for m in found if m.startswith("GRADER BUG")]
    assert not bugs, f"{question}: the tests themselves fail: {bugs}"
    for message in found:
        text = message.split(": ", 1)[1]
        assert len(text) > 20, f"{question}: a message too short to act on: {message}"
    return found


def assert_solution_passes(stem: str, question: str) -> None:
    """The harness itself is sound: the master's solution passes every test."""
    found = failures(stem, question, solution_source(stem, question))
    assert not found, f"{question}: the master's solution fails: {found}"


def standard_tests(stem: str, wrong: dict[str, dict[str, str]]) -> tuple:
    """The three tests every ``test_wrong_answers_chNN.py`` runs on its ``wrong``
    answers: every question has five wrong answers at least, the master's solution
    passes each question, each wrong answer is caught. pytest collects them once bound
    to module-level ``test_`` names::

        (
            test_every_question_is_tried,
            test_the_solution_passes,
            test_wrong_answer_is_caught,
        ) = standard_tests(STEM, WRONG)
    """

    def test_every_question_is_tried():
        assert set(wrong) == set(questions(stem))
        few = {q: len(answers) for q, answers in wrong.items() if len(answers) < 5}
        assert not few, f"questions with fewer than five wrong answers: {few}"

    @pytest.mark.parametrize("question", sorted(questions(stem)))
    def test_the_solution_passes(question):
        assert_solution_passes(stem, question)

    # the overflows of the unstable answers warn; the tests catch them
    @pytest.mark.filterwarnings("ignore::RuntimeWarning")
    @pytest.mark.parametrize(
        ("stem", "question", "answer"), wrong_answer_cases(stem, wrong)
    )
    def test_wrong_answer_is_caught(stem, question, answer):
        assert_caught(stem, question, answer)

    return (
        test_every_question_is_tried,
        test_the_solution_passes,
        test_wrong_answer_is_caught,
    )
