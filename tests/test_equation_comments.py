"""The code cites the book's equations correctly and reads well where the book shows it.

Every equation number ``(N.M)`` in a comment or docstring of ``src/`` names an equation
that chapter N numbers (``\\tag{N.M}`` in the Markdown of ``book/0N-*.ipynb``); and no
comment of ``dlbook.scratch`` sits inside a statement that the formatter split over
several lines (it goes above the statement instead).
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from functools import cache
from pathlib import Path

import pytest

from tools.repository import ROOT, chapters

SOURCES = sorted((ROOT / "src").rglob("*.py"))
SCRATCH = sorted((ROOT / "src" / "dlbook" / "scratch").glob("*.py"))
CITATION = re.compile(r"(?<![\w.])\((\d+)\.(\d+)\)")  # not a call: Value(2.0)
TAG = re.compile(r"\\tag\{(\d+)\.(\d+)\}")


@cache
def numbered_equations() -> frozenset[str]:
    """``"N.M"`` for every ``\\tag{N.M}`` in the Markdown cells of the chapters."""
    found = set()
    for path in chapters():
        chapter = int(path.name[:2])
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "markdown":
                for n, m in TAG.findall("".join(cell["source"])):
                    assert int(n) == chapter, f"{path.name} tags ({n}.{m})"
                    found.add(f"{n}.{m}")
    return frozenset(found)


def comments_and_docstrings(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of every comment and docstring of a Python file."""
    source = path.read_text(encoding="utf-8")
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                found.append((getattr(node, "lineno", 1), docstring))
    return found


def test_the_book_numbers_equations_with_tags():
    equations = numbered_equations()
    assert {"1.3", "2.15", "3.14", "4.11", "5.14", "6.10"} <= equations


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cited_equation_exists(path):
    equations = numbered_equations()
    wrong = [
        f"line {line}: ({n}.{m})"
        for line, text in comments_and_docstrings(path)
        for n, m in CITATION.findall(text)
        if f"{n}.{m}" not in equations
    ]
    assert not wrong, f"{path.name} cites equations the book does not number: {wrong}"


def split_statement_comments(source: str) -> list[int]:
    """Lines of comments that sit inside a statement spanning several lines, or inside
    the header of a compound one (``for``, ``if``, ``def`` ... up to its colon).

    A comment after an item of a list written one item a line (the code before it ends
    with a comma) labels that item and is allowed.
    """
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines()
    spans = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.stmt):
            continue
        if isinstance(getattr(node, "body", None), list):  # up to the header's colon
            depth = 0
            for token in tokens:
                if token.start[0] < node.lineno or token.type != tokenize.OP:
                    continue
                depth += token.string in "([{"
                depth -= token.string in ")]}"
                if token.string == ":" and depth == 0:
                    end = token.start[0]
                    break
        else:
            end = node.end_lineno
        if end > node.lineno:
            spans.append((node.lineno, end))
    found = []
    for token in tokens:
        line = token.start[0]
        if token.type != tokenize.COMMENT:
            continue
        code = lines[line - 1][: token.start[1]].rstrip()
        if code.endswith(","):
            continue
        if any(a <= line <= b for a, b in spans):
            found.append(line)
    return found


def test_the_split_statement_check_finds_a_comment_inside():
    inside = "for node in reversed(\n    order\n):  # a comment inside\n    pass\n"
    above = "# a comment above\nfor node in reversed(order):\n    pass\n"
    call = "x = f(\n    1,\n)  # after the closing bracket\n"
    items = "x = (\n    1,  # the first item\n    2,\n)\n"
    assert split_statement_comments(inside) == [3]
    assert split_statement_comments(above) == []
    assert split_statement_comments(call) == [3]
    assert split_statement_comments(items) == []


@pytest.mark.parametrize("path", SCRATCH, ids=lambda p: p.name)
def test_no_comment_inside_a_split_statement(path):
    lines = split_statement_comments(path.read_text(encoding="utf-8"))
    assert not lines, f"{path.name}: comments inside split statements, lines {lines}"
