"""Every number in a notebook's prose comes from that notebook's run.

A re-execution that moves a number must fail until the prose follows. For each
notebook of ``book/``, each decimal number written in a Markdown cell (``1.646``,
``98.1%``, ``28.9×``), and each whole number of two digits or more in a sentence
that says "this run" (``104 against 165 in this run``), must be an output of the
same notebook, printed before the end of the number's section, at the precision
written (rounding allowed; a percentage may print as a fraction), or carry its
source, a reason a maintainer can read in the cell's metadata::

    "metadata": {"prose_numbers": {"0.5": "the MSE of predicting 0, derived in (4.9)"}}

A paper's number has a reason that begins with "cited" and names the key of a
citation in its sentence; a citation alone backs nothing, since the sentence may
also hold this run's numbers.

Not counted as numbers: equation and section references such as ``(5.6)`` or
``section 5.3``, version strings (``2.13.0``), and anything inside a code span.

The rule is implemented once, in :mod:`tools.claims`, whose command prints each
notebook's claims beside the cell that backs them
(``python -m tools.claims book/NAME.ipynb``).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tools.claims import (
    backed_by_output,
    cell_text,
    claims_of,
    moved,
    output_texts,
    printed_numbers,
    prose_numbers,
    unbacked,
)
from tools.repository import ROOT, book_notebooks


@pytest.mark.parametrize("path", book_notebooks(), ids=lambda p: p.name)
def test_every_decimal_in_the_prose_is_printed_by_the_run(path: Path) -> None:
    problems = unbacked(path)
    assert not problems, (
        f"{path.name}: numbers in the prose that no output prints (fix the prose, or "
        "give a reason in the cell's metadata 'prose_numbers', 'cited: KEY, ...' for a "
        "paper's number):\n" + "\n".join(problems)
    )


def test_the_check_finds_a_number_the_run_did_not_print() -> None:
    outputs = [Decimal("1.6463"), Decimal("0.9814"), Decimal("28.93")]
    assert backed_by_output(Decimal("1.646"), 3, outputs)
    # a fraction backs a percentage ("98.1%", "98.1 points"), not a bare number
    assert backed_by_output(Decimal("98.1"), 1, outputs, percent=True)
    assert not backed_by_output(Decimal("98.1"), 1, outputs)
    assert backed_by_output(Decimal("28.9"), 1, outputs)
    assert not backed_by_output(Decimal("1.524"), 3, outputs)
    assert not backed_by_output(Decimal("1.65"), 2, outputs[1:])
    millions = Decimal(10**6)
    assert backed_by_output(Decimal("3.3"), 1, [Decimal("3348490")], millions)
    assert not backed_by_output(Decimal("3.3"), 1, [Decimal("2348490")], millions)
    # a printed value with more digits than Decimal's default precision rounds too
    huge = Decimal("15" + "0" * 29)  # a printed 31-digit integer
    assert not backed_by_output(Decimal("1.50"), 2, [huge])
    assert backed_by_output(Decimal("1.50"), 2, [huge], Decimal(10**30))
    # an output backs only the digits it prints: "2" no "2.0", "0.5" no "0.50", and
    # "0.98" no "98.1%"; "1.5e30" prints one decimal of 10^30
    assert backed_by_output(Decimal("2"), 0, [Decimal("2")])
    assert not backed_by_output(Decimal("2.0"), 1, [Decimal("2")])
    assert backed_by_output(Decimal("2.0"), 1, [Decimal("2.04")])
    assert not backed_by_output(Decimal("0.50"), 2, [Decimal("0.5")])
    assert not backed_by_output(Decimal("98.0"), 1, [Decimal("0.98")], percent=True)
    assert backed_by_output(Decimal("98.0"), 1, [Decimal("0.980")], percent=True)
    e30 = Decimal(10**30)
    assert backed_by_output(Decimal("1.5"), 1, [Decimal("1.5e30")], e30)
    assert not backed_by_output(Decimal("1.50"), 2, [Decimal("1.5e30")], e30)
    prose = "Eq. (5.6) in section 5.3; torch 2.13.0; 1.646; 3.3 million weights."
    found = [number for number, _ in prose_numbers(prose)]
    assert found == ["1.646", "3.3 million"]
    factors = "memory x4.0, time ×3.1 (a 1.5x gain); not max2.5 or v1.2"
    assert [number for number, _ in prose_numbers(factors)] == ["4.0", "3.1", "1.5"]


def test_output_texts_reads_streams_and_tables_not_images() -> None:
    cell = {
        "cell_type": "code",
        "source": "print(1.5)",
        "outputs": [
            {"output_type": "stream", "name": "stdout", "text": ["loss ", "1.25\n"]},
            {
                "output_type": "execute_result",
                "data": {"text/plain": "0.75", "text/html": ["<td>", "2.5</td>"]},
            },
            {"output_type": "display_data", "data": {"image/png": "iVBOR0.5"}},
        ],
    }
    texts = output_texts(cell)
    assert [t for t in texts if t] == ["loss 1.25\n", "0.75", "<td>2.5</td>"]
    assert [p.value for p in printed_numbers([cell])] == [
        Decimal("1.25"),
        Decimal("0.75"),
        Decimal("2.5"),
    ]
    assert _cell_text(cell).startswith("print(1.5)\n")


def _cells(*cells: str) -> list[dict]:
    """Markdown cells, and code cells (written "out: TEXT") that print TEXT."""
    made = []
    for cell in cells:
        if cell.startswith("out: "):
            output = {"output_type": "stream", "name": "stdout", "text": cell[5:]}
            made.append({"cell_type": "code", "source": "", "outputs": [output]})
        else:
            made.append({"cell_type": "markdown", "source": cell, "metadata": {}})
    return made


def _notebook(markdown: str, printed: str) -> list[dict]:
    return _cells(f"out: {printed}", markdown)


def test_an_output_backs_only_the_digits_it_prints() -> None:
    # a NumPy row prints each element to the row's precision ("98.2" is 98.20 beside
    # 97.24); any other number prints its own digits ("2" backs no "2.0")
    rows = "row sums:\n [[0.4  0.79]\n [0.33 1.  ]]"
    for markdown, printed, backed in [
        ("between 98.06% and 98.20%", "acc (%): [96.3  98.06 98.2  98.1 ]", True),
        ("all 1.000 right", "row sums: [0.4  0.79 1.  ]", False),
        ("all 1.00 right", rows, True),
        ("2.0 times faster", "max pool 2x2", False),
    ]:
        found = claims_of(_notebook(markdown, printed))
        assert found and all(claim.backed is backed for claim in found), found


@pytest.mark.parametrize(
    ("markdown", "printed", "backed"),
    [
        ("ahead by 1.8 points", "gap 0.018", True),
        ("1.2 to 1.8\n  points ahead", "gaps 0.012, 0.018", True),
        ("a lead of 4.0 ± 3.1 points", "lead +0.040 ± 0.031", True),
        ("accuracy 86.1–86.2%", "0.861 0.862", True),
        ("the loss is 0.981", "accuracy 98.1%", True),
        ("faster by 1.8 times", "gap 0.018", False),  # not a percentage
        ("accuracy 98.1%", "accuracy 98.1%", True),
        ("the loss is 98.1", "accuracy 0.981", False),
        ("in this run 3.1 times", "forward, loops (3.1)   2.4", False),  # a label
        ("in this run 2.4 times", "forward, loops (3.1)   2.4", True),
        # a number written with a minus sign needs a negative printed value; one
        # written without a sign may be a magnitude
        ("seeds differ from -0.0023", "standard deviation 0.0023", False),
        ("seeds differ from -0.0023", "differences -0.0023, +0.0143", True),
        ("the interval [−0.016, 0.004]", "[-0.0160, 0.0044]", True),
        ("a rate of $10^{-1.75}$", "best lr 10^-1.75", True),
        ("lower by 0.38 nats", "warm-up minus none: -0.38", True),
        ("accuracy 86.1-86.2%", "0.861 0.862", True),  # a range's dash, no sign
        # whole numbers count in a sentence about this run
        ("in this run the CNN made 104 mistakes", "errors: 101, 165", False),
        ("in this run 101 mistakes against 165", "errors: 101, 165", True),
        ("2,619 KB in this run", "size 2618.708", True),
    ],
)
def test_a_percentage_a_sign_and_an_equation_label_back_only_what_they_are(
    markdown: str, printed: str, backed: bool
) -> None:
    found = claims_of(_notebook(markdown, printed))
    assert found and all(claim.backed is backed for claim in found), found


def test_whole_numbers_count_only_in_a_sentence_about_this_run() -> None:
    markdown = (
        "MNIST has 60,000 training images and 10 classes. In this run the CNN made "
        "104 mistakes, accuracy 0.9896, in 2 epochs of 64 images a step."
    )
    found = [claim.written for claim in claims_of(_notebook(markdown, "0.9896"))]
    assert found == ["104", "0.9896", "64"]  # not 60,000, 10 (no run) nor 2 (a digit)


@pytest.mark.parametrize(
    ("cells", "backed"),
    [
        # an earlier section's output, or one later in the sentence's own section
        (("out: gap 0.012", "## B", "In this run the gap is 1.2 points."), True),
        (("## A", "In this run 1.2 times.", "out: 1.21 ms", "## B"), True),
        # a later section's output that rounds to it is a coincidence, not a source
        (("## A", "In this run 1.2 points.", "## B", "out: 1.21 ms"), False),
        (("In this run 1.2 times.\n\n## B\n\nNext.", "out: 1.21 ms"), False),
        (("## A\n\nIn this run 1.2 times.\n\n## B", "out: 1.21 ms"), False),
        # a "#" line inside a code block is no heading
        (("In this run 1.2 times.\n```python\n# a comment\n```", "out: 1.21"), True),
    ],
)
def test_only_outputs_before_the_end_of_its_section_back_a_number(
    cells: tuple[str, ...], backed: bool
) -> None:
    found = claims_of(_cells(*cells))
    assert [claim.written for claim in found] == ["1.2"]
    assert found[0].backed is backed, found


def test_a_re_execution_lists_the_numbers_whose_output_moved() -> None:
    prose = "In this run NumPy is 1.8 times slower."

    def run(flops: str, ratio: str) -> list[dict]:
        return _cells(f"out: FLOPs {flops}", "A table.", prose, f"out: ratio {ratio}")

    before = run("1.81", "1.76")  # the nearest output, the ratio, backs it
    assert claims_of(before)[0].backing_cell == 3
    # the ratio became 1.47: the sentence is stale though the FLOPs still back it
    after = run("1.81", "1.47")
    assert claims_of(after)[0].backed
    (line,) = moved(before, after)
    assert "1.8 was cell 3: 'ratio 1.76'; now cell 0: 'FLOPs 1.81'" in line
    assert "now unbacked" in moved(before, run("2", "1.47"))[0]
    # the same line still prints it, or nothing changed: nothing to re-read
    assert moved(before, run("1.81", "1.83")) == []
    assert moved(before, before) == []
    # a reason in the cell's metadata backs it now: nothing moved under it
    reasoned = run("2", "1.47")
    reasoned[2]["metadata"]["prose_numbers"] = {"1.8": "a setting of cell 3"}
    assert moved(before, reasoned) == []


def test_a_re_execution_lists_a_number_whose_farther_source_moved() -> None:
    """The nearest line that prints a number may be the coincidence (chapter 2's
    summary: its "98.1%" is the first model's accuracy, and a later validation line
    prints 0.9810 too): when another line that printed it prints something else now,
    the sentence is listed though the nearest still backs it."""

    def run(accuracy: str) -> list[dict]:
        return _cells(
            f"out: test accuracy {accuracy}",
            "out: validation 0.9810",
            "## Summary\n\nIn this run the MLP reaches 98.1% on the test set.",
        )

    before = run("0.9806")
    assert claims_of(before)[0].backing_cell == 1  # the nearer line
    (line,) = moved(before, run("0.9742"))
    assert "98.1 was also printed by cell 0: 'test accuracy 0.9806'" in line
    assert moved(before, run("0.9811")) == []  # still prints it: nothing to re-read


# Pages that quote the measured introduction's committed run: every speed (GFLOP/s) and
# time (ms) in a paragraph that names that notebook must be printed, with its unit, by
# the stored run, so a re-execution that moves them fails here.
QUOTING_PAGES = ["book/background.md", "book/faq.md"]
UNIT_AFTER = re.compile(r"\s*(GFLOP/s|ms\b)")
MEASURE = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)\s*(GFLOP/s|ms\b)")


def printed_measures(notebook: Path) -> dict[str, list[Decimal]]:
    """The numbers the notebook's outputs print before "GFLOP/s" and before "ms"."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found: dict[str, list[Decimal]] = {"GFLOP/s": [], "ms": []}
    for printed in printed_numbers(cells):
        after = printed.line[printed.start + len(printed.token) :]
        unit = UNIT_AFTER.match(after)
        if unit:
            found[unit.group(1)].append(printed.value)
    return found


@pytest.mark.parametrize("page", QUOTING_PAGES)
def test_pages_quote_the_measured_introductions_run(page: str) -> None:
    printed = printed_measures(ROOT / "book/intro-measured.ipynb")
    paragraphs = (ROOT / page).read_text(encoding="utf-8").split("\n\n")
    quoted = [
        (number, unit)
        for paragraph in paragraphs
        if "intro-measured" in paragraph
        for number, unit in MEASURE.findall(paragraph)
    ]
    assert quoted, f"{page} quotes no speed or time of the run (pattern out of date?)"
    stale = [
        f"{number} {unit}"
        for number, unit in quoted
        if not backed_by_output(
            Decimal(number), len(number.partition(".")[2]), printed[unit]
        )
    ]
    assert not stale, (
        f"{page}: speeds or times that book/intro-measured.ipynb's stored run does "
        f"not print (re-executed since?): {stale}"
    )


# "cell 23", "cell 31's": a code cell of the same notebook; "its cell 44" is another
# notebook's (the reason names which)
CELL_REFERENCE = re.compile(r"(?<!its )\bcells? (\d+)\b")
DECIMAL = re.compile(r"\d+\.\d+")


def _cell_text(cell: dict) -> str:
    """A code cell's source and the text of its outputs."""
    return "\n".join([cell_text(cell), *output_texts(cell)])


@pytest.mark.parametrize("path", book_notebooks(), ids=lambda p: p.name)
def test_reasons_name_code_cells_that_hold_their_numbers(path: Path) -> None:
    """A reason in a cell's metadata that names a cell by its index ("a setting:
    lr=0.5 of cell 28") names a code cell of the notebook that holds the number, or,
    for a number derived from others, one of those: a cell inserted above would make
    the index point at the wrong cell, and this says so."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    problems = []
    for index, cell in enumerate(cells):
        for number, reason in cell.get("metadata", {}).get("prose_numbers", {}).items():
            wanted = {number, *DECIMAL.findall(reason)}
            for reference in CELL_REFERENCE.findall(reason):
                named = int(reference)
                if named >= len(cells) or cells[named]["cell_type"] != "code":
                    problems.append(
                        f"cell {index}, {number}: cell {named} is no code cell"
                    )
                elif not any(w in _cell_text(cells[named]) for w in wanted):
                    found = f"cell {named} holds none of {sorted(wanted)}"
                    problems.append(f"cell {index}, {number}: {found}")
    assert not problems, (
        f"{path.name}: reasons that name the wrong cell:\n" + "\n".join(problems)
    )
