"""Every quantitative claim of a notebook's prose, and the cell whose output backs it.

    python -m tools.claims                        # every notebook of the book
    python -m tools.claims book/02-backprop.ipynb # one or more notebooks

prints, per notebook, a Markdown table: each decimal number written in a Markdown
cell (``1.646``, ``98.1%``, ``28.9×``, ``3.3 million``), and each whole number of two
digits or more in a sentence that says "this run" (``104 against 165 in this run``;
elsewhere whole numbers are settings, sizes and facts), the sentence it stands in,
the cell it stands in, and its source: the code cell whose output prints it at the
precision written (rounding allowed; a number written as a percentage, "98.1%" or
"1.8 points", may print as a fraction, and the reverse; a number written with a
minus sign, "-0.0023", needs a negative printed value, while one written without a
sign may be a magnitude), or the reason given in the cell's metadata::

    "metadata": {"prose_numbers": {"0.5": "the MSE of predicting 0, derived in (4.9)"}}

A number taken from a paper says so in its reason, which begins with "cited" and names
the key of a citation (``{cite}``) in the number's sentence
(``"1.6": "cited: simard2003best, their test error"``). A citation in a sentence does
not by itself back the sentence's numbers: one of them may be this run's, and when a
re-execution moves it the check must see it.

A number with none of these is *unbacked*: the command then exits with status 1, and
``tests/test_prose_numbers.py`` (which imports :func:`unbacked` from here, so the rule
has one implementation) fails for that notebook.

Not counted as numbers: equation and section references such as ``(5.6)`` or
``section 5.3``, version strings (``2.13.0``), and anything inside a code span; in
outputs, equation labels such as ``(3.1)`` back nothing. Cell indices are 0-based over
all cells.

Only the outputs of cells before the end of the number's section back it (a section ends
where the next Markdown heading begins): the prose speaks of what the reader has run, or
of what its own section runs next. A later section's output that happens to round to the
same value backs nothing: "1.2 points" of a comparison is not "1.21 ms" of a timing two
sections on. Where several of those outputs print a number, the table names the nearest
code cell (the earlier of two equally near); any of them backs it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)
from pathlib import Path

from tools.repository import book_notebooks, relative

# A decimal number as prose writes it: digits, a point, digits; a thousands comma
# allowed before the point ("1,234.5"); not part of a dotted version or reference.
# A factor written "x3.1" or "×3.1" counts too.
PROSE_NUMBER = re.compile(
    r"(?:(?<=\bx)|(?<=×)|(?<![\w.,]))"
    r"(\d{1,3}(?:,\d{3})+|\d+)\.(\d+)(?![\w.]*\d)(?: million\b)?"
)
# A whole number of two or more digits ("104", "2,619"), counted only in a sentence
# that says it reports this run: elsewhere whole numbers are settings, sizes and facts.
# Not part of a decimal, a range's end, an exponent ("10^{16}") or a word ("ch3").
PROSE_INTEGER = re.compile(r"(?<![\w.,\-−^{/])(\d{1,3}(?:,\d{3})+|\d{2,})(?![\w.,]*\d)")
THIS_RUN = re.compile(r"\bthis run\b", re.IGNORECASE)
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
# An equation label an output prints ("forward, loops (3.1)"): a name, not a value.
EQUATION_LABEL = re.compile(r"\([1-9]\.\d{1,2}\)")
# What follows a number written as a percentage, in prose or in an output: a percent
# sign or percentage points, perhaps after the other end of a range ("86.1-86.2%") or
# a spread ("4.0 ± 3.1 points").
PERCENT_AFTER = re.compile(
    r"(?:\s*(?:[-–±]|to)\s*[\d.]+)?\s*(?:%|per ?cent\b|(?:percentage )?points?\b)"
)
# A minus sign written on a number ("-0.0023", "−97.39", "$10^{-1.75}$"), not a range's
# dash ("86.1-86.2"): such a number is backed only by a negative printed value, where
# a number written without a sign may be a magnitude ("lower by 0.38": "-0.38").
SIGN_BEFORE = re.compile(r"(?:^|(?<=[\s(\[{$=:,;]))[-−]$")
FENCE = re.compile(r"```.*?```", re.DOTALL)  # a code block in Markdown
CODE_SPAN = re.compile(rf"{FENCE.pattern}|`[^`\n]*`", re.DOTALL)
MATH_TAG = re.compile(r"\\tag\{[^}]*\}")
# A Markdown heading: where a section ends (outputs after it back nothing before it).
HEADING = re.compile(r"^#{1,6}\s", re.MULTILINE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(])|\n\s*\n")
CITATION = re.compile(r"\{cite(?::\w+)?\}`([^`]*)`")
CITE_ROLE = re.compile(
    r"\{cite(?::\w+)?\}"
)  # a citation once CODE_SPAN blanked its keys
MILLION = Decimal(10**6)
KINDS = ("output", "cite", "metadata", "")  # what backs a claim; "" nothing


@dataclass(frozen=True)
class Printed:
    """A number an output prints: its value, its code cell, the output's line, where
    the number starts in that line, the number as printed, and whether a percent sign
    follows it."""

    value: Decimal
    cell: int
    line: str
    start: int = 0
    token: str = ""
    percent: bool = False


@dataclass(frozen=True)
class Claim:
    """A number of the prose and what backs it.

    ``source`` is ``"output"`` (``backing_cell`` printed it; ``evidence`` is that
    output's line), ``"cite"`` (``evidence``: a reason in the cell's metadata that
    begins with "cited" and names a key the sentence cites), ``"metadata"``
    (``evidence``: any other reason in the cell's metadata) or ``""`` (unbacked; a
    "cited" reason naming no key of the sentence backs nothing). ``at`` and
    ``evidence_at`` are where the number starts in ``sentence`` and in ``evidence``.
    ``backers``: every output line that prints it, as ``(cell, line)``, the nearest
    (``evidence``) among them.
    """

    written: str
    sentence: str
    cell: int
    source: str
    backing_cell: int | None = None
    evidence: str = ""
    at: int = 0
    evidence_at: int = 0
    backers: tuple[tuple[int, str], ...] = ()

    @property
    def backed(self) -> bool:
        return bool(self.source)


def cell_text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def output_texts(cell: dict) -> list[str]:
    """The text a cell's outputs print: streams, and the plain and HTML forms of
    results (tables); images and other data are not text."""
    texts = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        for text in (
            output.get("text", ""),
            data.get("text/plain", ""),
            data.get("text/html", ""),
        ):
            texts.append(text if isinstance(text, str) else "".join(text))
    return texts


def printed_numbers(cells: list[dict]) -> list[Printed]:
    """Every number any output of the notebook prints (text only), with its cell."""
    found = []
    for index, cell in enumerate(cells):
        for text in output_texts(cell):
            for line in text.splitlines():
                # blank the labels, keeping the line's length
                values = EQUATION_LABEL.sub(lambda m: " " * len(m[0]), line)
                rows = _array_rows(values)
                for match in OUTPUT_NUMBER.finditer(values):
                    token = match.group(0)
                    percent = bool(PERCENT_AFTER.match(line, match.end()))
                    quantum = _row_quantum(rows, match)
                    # "2.55e+06" backs "2.55 × 10^6" too: keep its mantissa too
                    for part in {token, re.split("[eE]", token)[0]}:
                        try:
                            value = Decimal(part.replace(",", ""))
                        except InvalidOperation:
                            continue
                        if quantum is not None:  # its row's precision, zeros restored
                            value = _quantize(value, quantum)
                        printed = Printed(
                            value, index, line, match.start(), token, percent
                        )
                        found.append(printed)
    return found


# The part of an output line that prints a NumPy array's row: from a "[" to its "]" or
# to the end of the line, or from the line's start to a "]". NumPy prints every element
# of an array to one precision but drops trailing zeros ("[97.24 98.2  98.1 ]").
ARRAY_ROW = re.compile(r"\[[^\[\]]*\]?|^[^\[\]]*\]")


def _array_rows(line: str) -> list[tuple[int, int, Decimal]]:
    """The NumPy array rows of an output line: where each starts and ends, and its
    precision as a quantum (``Decimal("0.01")`` when its longest element has two
    decimals; numbers written with an exponent do not count)."""
    rows = []
    for row in ARRAY_ROW.finditer(line):
        decimals = [
            len(token.split(".")[1]) if "." in token else 0
            for token in OUTPUT_NUMBER.findall(row.group(0))
            if "e" not in token.lower()
        ]
        if decimals:
            rows.append((row.start(), row.end(), Decimal(1).scaleb(-max(decimals))))
    return rows


def _row_quantum(
    rows: list[tuple[int, int, Decimal]], match: re.Match
) -> Decimal | None:
    """The precision of the array row (of :func:`_array_rows`) that holds ``match``;
    None for a number outside an array or written with an exponent."""
    if "e" in match.group(0).lower():
        return None
    return next((q for start, end, q in rows if start <= match.start() < end), None)


def output_numbers(cells: list[dict]) -> list[Decimal]:
    """Every number any output of the notebook prints (text only)."""
    return [printed.value for printed in printed_numbers(cells)]


def _quantize(value: Decimal, quantum: Decimal, rounding=ROUND_HALF_EVEN) -> Decimal:
    """``value`` to the decimal place of ``quantum`` (rounded, or with zeros added),
    with as many digits as a large value needs."""
    with localcontext() as exact:
        exact.prec = max(exact.prec, value.adjusted() - quantum.adjusted() + 2)
        return value.quantize(quantum, rounding=rounding)


def _rounded(value: Decimal, places: int) -> set[Decimal]:
    """``value`` rounded to ``places`` decimals, half up and half to even."""
    quantum = Decimal(1).scaleb(-places)
    modes = (ROUND_HALF_UP, ROUND_HALF_EVEN)
    return {_quantize(value, quantum, mode) for mode in modes}


def rounds_from(
    number: Decimal,
    places: int,
    value: Decimal,
    unit: Decimal = Decimal(1),
    percent: bool = False,
    printed_percent: bool = False,
) -> bool:
    """``number`` (written with ``places`` decimals, in ``unit``s: 10**6 for "3.3
    million") rounds from the printed ``value``, as is; or, when only one of them is
    a percentage (``percent``: the prose writes one; ``printed_percent``: the output
    prints one), as the other's fraction times 100; and the output prints at least the
    decimals the prose writes (``value`` keeps its printed digits: Decimal("2.50") has
    two), in the prose's unit: a printed "2" backs no "2.0", whose tenths it does not
    print (chapter 3's "2.0 times" was once backed by a "2x2")."""
    printed_places = unit.adjusted() - value.as_tuple().exponent
    value = value / unit
    scales = [(value, printed_places)]
    if percent and not printed_percent:  # "98.1%" from a printed 0.981
        scales.append((value * 100, printed_places - 2))
    if printed_percent and not percent:  # "0.981" from a printed "98.1%"
        scales.append((value / 100, printed_places + 2))
    return any(
        printed >= places and number.copy_abs() in _rounded(scaled.copy_abs(), places)
        for scaled, printed in scales
    )


def backed_by_output(
    number: Decimal,
    places: int,
    outputs: Iterable[Decimal],
    unit: Decimal = Decimal(1),
    percent: bool = False,
) -> bool:
    """Whether a printed value of ``outputs`` (none of them a percentage) backs
    ``number`` (:func:`rounds_from`)."""
    return any(rounds_from(number, places, value, unit, percent) for value in outputs)


def _prose_matches(markdown: str) -> list[tuple[re.Match, str, tuple[str, ...]]]:
    """Each number of the prose (decimals; whole numbers in a sentence about this
    run): its match in its sentence, the sentence,
    and the keys of the sentence's citations."""
    text = MATH_TAG.sub("", CODE_SPAN.sub(" ", markdown))
    if text.lstrip().startswith("## References") or "{bibliography}" in text:
        return []
    # the keys of each citation, in order (CODE_SPAN blanks them in the text)
    keys = CITATION.findall(FENCE.sub(" ", markdown))
    sentences = SENTENCE_END.split(REFERENCE.sub(" ", text))
    if len(keys) != sum(len(CITE_ROLE.findall(s)) for s in sentences):
        keys = []  # a citation written inside code: no keys rather than wrong ones
    found = []
    for sentence in sentences:
        cited = []  # the keys this sentence cites ("{cite}`a,b`" cites two)
        for _ in CITE_ROLE.findall(sentence):
            if keys:
                cited += [key.strip() for key in keys.pop(0).split(",")]
        matches = list(PROSE_NUMBER.finditer(sentence))
        if THIS_RUN.search(sentence):  # its whole numbers are this run's too
            matches += PROSE_INTEGER.finditer(sentence)
        for match in sorted(matches, key=lambda m: m.start()):
            found.append((match, sentence, tuple(cited)))
    return found


def prose_numbers(markdown: str) -> list[tuple[str, str]]:
    """``(number as written, its sentence)`` for each decimal number of the prose; a
    number followed by "million" keeps that word."""
    return [
        (match.group(0), sentence) for match, sentence, _ in _prose_matches(markdown)
    ]


def _value(written: str) -> tuple[Decimal, int, Decimal]:
    """A number as written: its value, its decimal places and its unit."""
    plain = written.replace(",", "").removesuffix(" million")
    unit = MILLION if written.endswith(" million") else Decimal(1)
    places = len(plain.split(".")[1]) if "." in plain else 0
    return Decimal(plain), places, unit


def _closeness(written: str, printed: Printed) -> int:
    """0: printed as written; 1: rounded from the printed value; 2: a percentage of
    a printed fraction (or the reverse), or a mantissa."""
    if printed.token.replace(",", "") == written.replace(",", ""):
        return 0
    number, places, unit = _value(written)
    as_is = number.copy_abs() in _rounded(printed.value.copy_abs() / unit, places)
    return 1 if as_is and "e" not in printed.token.lower() else 2


def heading_starts(markdown: str) -> list[int]:
    """Where the Markdown's headings start (a "#" line inside a code block is none)."""
    blanked = FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), markdown)
    return [match.start() for match in HEADING.finditer(blanked)]


def _sections(text: str, index: int, end: int) -> list[tuple[str, int]]:
    """The Markdown ``text`` of cell ``index`` cut before each of its headings: each
    part, and the index of the first cell whose outputs may not back it (the end of its
    section: the cell itself when one of its headings follows the part, else ``end``,
    the next cell that holds a heading)."""
    starts = [start for start in heading_starts(text) if start > 0]
    ends = [index] * len(starts) + [end]
    bounds = [0, *starts, len(text)]
    return [(text[a:b], end) for a, b, end in zip(bounds, bounds[1:], ends)]


def claims_of(cells: list[dict]) -> list[Claim]:
    """Every number of the cells' prose, with what backs it."""
    printed = printed_numbers(cells)
    texts = [cell_text(c) if c["cell_type"] == "markdown" else "" for c in cells]
    headings = [j for j, text in enumerate(texts) if heading_starts(text)]
    found = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        reasons = cell.get("metadata", {}).get("prose_numbers", {})
        end = next((j for j in headings if j > index), len(cells))
        for part, part_end in _sections(texts[index], index, end):
            found += _claims_of_part(part, index, part_end, reasons, printed)
    return found


def _claims_of_part(
    markdown: str, index: int, end: int, reasons: dict, printed: list[Printed]
) -> list[Claim]:
    """The claims of one section's part of Markdown cell ``index``: outputs of the
    cells before ``end`` back them."""
    found = []
    for match, sentence, cited in _prose_matches(markdown):
        written, at = match.group(0), match.start()
        percent = bool(PERCENT_AFTER.match(sentence, match.end()))
        if written in reasons:
            reason = reasons[written]
            source = "metadata"
            if reason.startswith("cited"):  # must name a key the sentence cites
                source = "cite" if any(key in reason for key in cited) else ""
            claim = Claim(written, sentence, index, source, None, reason, at)
        else:
            claim = Claim(written, sentence, index, "", at=at)
            number, places, unit = _value(written)
            negative = bool(SIGN_BEFORE.search(sentence, 0, at))
            backing = [
                p
                for p in printed
                if p.cell < end
                and (p.value < 0 or not negative)
                and rounds_from(number, places, p.value, unit, percent, p.percent)
            ]
            if backing:  # the nearest cell, and in it the closest match
                best = min(
                    backing,
                    key=lambda p: (
                        abs(p.cell - index),
                        p.cell,
                        _closeness(written, p),
                    ),
                )
                claim = replace(
                    claim,
                    source="output",
                    backing_cell=best.cell,
                    evidence=best.line,
                    evidence_at=best.start,
                    backers=tuple((p.cell, p.line) for p in backing),
                )
        found.append(claim)
    return found


def _where(cell: int | None, line: str) -> tuple[int | None, str]:
    """An output line's place: its cell, and the line with the digits blanked (a
    table's row label, a message's wording)."""
    return cell, re.sub(r"\d", "#", line)


def _source(claim: Claim) -> tuple[int | None, str]:
    """Where an output claim comes from: the place of its nearest backer."""
    return _where(claim.backing_cell, claim.evidence)


def moved(before: list[dict], after: list[dict]) -> list[str]:
    """The numbers of the prose whose output moved when the notebook was re-executed
    (``before``: its cells as they were; ``after``: as they are): a number an output
    line printed before that another line, or nothing, backs now. The line it quoted
    now prints something else, so its sentence is likely stale, even where another
    output still happens to round to it (chapter 3's "1.8 times", from a ratio of
    1.76 that became 1.47, was then backed by a FLOP count's 1.81). A number that
    several lines printed is listed too when one of them prints something else now,
    though the nearest still prints it: the nearest may be the coincidence."""
    was = {
        (claim.cell, claim.written, claim.sentence): claim
        for claim in claims_of(before)
        if claim.source == "output"
    }
    found = []
    for claim in claims_of(after):
        old = was.get((claim.cell, claim.written, claim.sentence))
        if old is None or claim.source in ("cite", "metadata"):
            continue  # no output backed it, or a reason backs it now
        if claim.source == "output" and _source(claim) == _source(old):
            now = {_where(*backer) for backer in claim.backers}
            lost = [b for b in old.backers if _where(*b) not in now]
            if lost:
                cell, line = lost[0]
                found.append(
                    f"cell {claim.cell}: {claim.written} was also printed by cell "
                    f"{cell}: {line.strip()[:80]!r}, which prints something else now"
                )
            continue
        now = (
            f"now cell {claim.backing_cell}: {claim.evidence.strip()[:80]!r}"
            if claim.source == "output"
            else "now unbacked"
        )
        found.append(
            f"cell {claim.cell}: {claim.written} was cell {old.backing_cell}: "
            f"{old.evidence.strip()[:80]!r}; {now}"
        )
    return found


def claims(path: Path) -> list[Claim]:
    """Every number of the notebook's prose, with what backs it."""
    return claims_of(json.loads(Path(path).read_text(encoding="utf-8"))["cells"])


def unbacked(path: Path) -> list[str]:
    """One line per number of the notebook's prose that nothing backs."""
    problems = []
    for claim in claims(path):
        if not claim.backed:
            context = " ".join(claim.sentence.split())
            problem = f"cell {claim.cell}: {claim.written} in {context[:160]!r}"
            if claim.evidence:  # a "cited" reason naming no key of the sentence
                problem += (
                    f" (its reason cites no key of the sentence: {claim.evidence!r})"
                )
            problems.append(problem)
    return problems


def excerpt(text: str, at: int = 0, width: int = 90) -> str:
    """About ``width`` characters of ``text`` around position ``at``, on one line,
    ready for a Markdown table cell."""
    before = " ".join(text[:at].split()) + (
        " " if text[:at].endswith((" ", "\n")) else ""
    )
    joined = (before + " ".join(text[at:].split())).strip()
    start = max(0, min(len(before) - width // 3, len(joined) - width))
    cut = joined[start : start + width]
    cut = ("…" if start else "") + cut + ("…" if start + width < len(joined) else "")
    return cut.replace("|", "\\|")


def table(path: Path) -> str:
    """The notebook's claims as a Markdown section: a count, then one row each."""
    found = claims(path)
    counts = {kind: sum(c.source == kind for c in found) for kind in KINDS}
    lines = [
        f"## {relative(Path(path))}",
        "",
        f"{len(found)} numbers in the prose: {counts['output']} printed by an "
        f"output, {counts['cite']} cited, {counts['metadata']} with a reason in the "
        f"cell's metadata, {counts['']} unbacked.",
        "",
        "| number | sentence | prose cell | backed by | output, citation or reason |",
        "|---|---|---|---|---|",
    ]
    labels = {"cite": "citation", "metadata": "metadata", "": "**unbacked**"}
    for claim in found:
        source = labels.get(claim.source, f"cell {claim.backing_cell}")
        lines.append(
            f"| {claim.written} | {excerpt(claim.sentence, claim.at)} | {claim.cell} "
            f"| {source} | {excerpt(claim.evidence, claim.evidence_at, 80)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="default: every notebook of the book"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or book_notebooks()
    print("\n".join(table(path) for path in paths), end="")
    return 1 if any(unbacked(path) for path in paths) else 0


if __name__ == "__main__":
    sys.exit(main())
