"""Every decimal number in a notebook's prose comes from that notebook's run.

A re-execution that moves a number must fail until the prose follows. For each
notebook of ``book/``, each decimal number written in a Markdown cell (``1.646``,
``98.1%``, ``28.9×``) must be an output of the same notebook at the precision
written (rounding allowed; a percentage may print as a fraction), or carry its
source: a citation (``{cite}``) in the same sentence, or a reason a maintainer can
read in the cell's metadata::

    "metadata": {"prose_numbers": {"0.5": "the MSE of predicting 0, derived in (4.9)"}}

Not counted as numbers: equation and section references such as ``(5.6)`` or
``section 5.3``, version strings (``2.13.0``), and anything inside a code span.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pytest

from tools.repository import book_notebooks

# A decimal number as prose writes it: digits, a point, digits; a thousands comma
# allowed before the point ("1,234.5"); not part of a dotted version or reference.
PROSE_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)\.(\d+)(?![\w.]*\d)(?: million\b)?"
)
# What outputs print: integers, decimals, scientific notation.
OUTPUT_NUMBER = re.compile(r"[-+]?\d[\d,]*\.?\d*(?:[eE][-+]?\d+)?")
# References to equations, sections, chapters, figures and tables, not measurements.
REFERENCE = re.compile(
    r"(?:\(\d+\.\d+\)"
    r"|(?:[Ss]ection|[Cc]hapter|[Ff]igure|[Tt]able|[Ee]quation|§)s?\s+\d+\.\d+"
    r"|^#+\s*\d+\.\d+"
    r"|\d+\.\d+\)?\s*[-–]\s*\(\d+\.\d+\))",
    re.MULTILINE,
)
CODE_SPAN = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
MATH_TAG = re.compile(r"\\tag\{[^}]*\}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(])|\n\s*\n")


def _text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def output_numbers(cells: list[dict]) -> list[Decimal]:
    """Every number any output of the notebook prints (text only)."""
    found = []
    for cell in cells:
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            texts.append(output.get("data", {}).get("text/plain", ""))
            texts.append(output.get("data", {}).get("text/html", ""))
            for text in texts:
                text = text if isinstance(text, str) else "".join(text)
                for token in OUTPUT_NUMBER.findall(text):
                    # "2.55e+06" backs "2.55 × 10^6" too: keep its mantissa as well
                    for part in {token, re.split("[eE]", token)[0]}:
                        try:
                            found.append(Decimal(part.replace(",", "")))
                        except InvalidOperation:
                            continue
    return found


def _rounded(value: Decimal, places: int) -> set[Decimal]:
    quantum = Decimal(1).scaleb(-places)
    modes = (ROUND_HALF_UP, ROUND_HALF_EVEN)
    return {value.quantize(quantum, rounding=mode) for mode in modes}


def backed_by_output(
    number: Decimal, places: int, outputs: list[Decimal], unit: Decimal = Decimal(1)
) -> bool:
    """``number`` (written with ``places`` decimals, in ``unit``s: 10**6 for "3.3
    million") rounds from a printed value, as is or as a percentage of a printed
    fraction (or a printed percentage's fraction)."""
    for value in outputs:
        value = value / unit
        for scaled in (value, value * 100, value / 100):
            if number.copy_abs() in _rounded(scaled.copy_abs(), places):
                return True
    return False


def prose_numbers(markdown: str) -> list[tuple[str, str]]:
    """``(number as written, its sentence)`` for each decimal number of the prose; a
    number followed by "million" keeps that word."""
    text = MATH_TAG.sub("", CODE_SPAN.sub(" ", markdown))
    if text.lstrip().startswith("## References") or "{bibliography}" in text:
        return []
    found = []
    for sentence in SENTENCE_END.split(REFERENCE.sub(" ", text)):
        for match in PROSE_NUMBER.finditer(sentence):
            found.append((match.group(0), sentence))
    return found


def unbacked(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    outputs = output_numbers(cells)
    problems = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        reasons = cell.get("metadata", {}).get("prose_numbers", {})
        for written, sentence in prose_numbers(_text(cell)):
            if written in reasons or "{cite}" in sentence:
                continue
            plain, millions = written.replace(",", ""), written.endswith(" million")
            plain = plain.removesuffix(" million")
            places = len(plain.split(".")[1])
            unit = Decimal(10**6) if millions else Decimal(1)
            if not backed_by_output(Decimal(plain), places, outputs, unit):
                context = " ".join(sentence.split())
                problems.append(f"cell {index}: {written} in {context[:160]!r}")
    return problems


@pytest.mark.parametrize("path", book_notebooks(), ids=lambda p: p.name)
def test_every_decimal_in_the_prose_is_printed_by_the_run(path: Path) -> None:
    problems = unbacked(path)
    assert not problems, (
        f"{path.name}: numbers in the prose that no output prints (fix the prose, or "
        "cite, or give a reason in the cell's metadata 'prose_numbers'):\n"
        + "\n".join(problems)
    )


def test_the_check_finds_a_number_the_run_did_not_print() -> None:
    outputs = [Decimal("1.6463"), Decimal("0.9814"), Decimal("28.93")]
    assert backed_by_output(Decimal("1.646"), 3, outputs)
    assert backed_by_output(Decimal("98.1"), 1, outputs)  # a fraction as a percentage
    assert backed_by_output(Decimal("28.9"), 1, outputs)
    assert not backed_by_output(Decimal("1.524"), 3, outputs)
    assert not backed_by_output(Decimal("1.65"), 2, outputs[1:])
    millions = Decimal(10**6)
    assert backed_by_output(Decimal("3.3"), 1, [Decimal("3348490")], millions)
    assert not backed_by_output(Decimal("3.3"), 1, [Decimal("2348490")], millions)
    prose = "Eq. (5.6) in section 5.3; torch 2.13.0; 1.646; 3.3 million weights."
    found = [number for number, _ in prose_numbers(prose)]
    assert found == ["1.646", "3.3 million"]
