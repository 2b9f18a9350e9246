"""The book's Markdown parses as MyST reads it.

CommonMark forbids a backtick in the info string of a backtick fence, so a directive
such as ```` ```{admonition} Why `import dlbook` comes first ```` is not a directive
at all: the page shows the whole block as raw text (chapter 4 did, unnoticed). A title
with code in it goes in a colon fence (``:::{admonition} ...``) instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.claims import CODE_SPAN
from tools.repository import ROOT, book_notebooks, page_markdown

BACKTICK_FENCE_WITH_BACKTICK = re.compile(r"^\s*(`{3,})[^`\n]*`", re.MULTILINE)


PAGES = book_notebooks() + sorted((ROOT / "book").glob("*.md"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_backtick_in_a_backtick_fence_info_string(path: Path) -> None:
    bad = [
        m.group(0).strip()
        for m in BACKTICK_FENCE_WITH_BACKTICK.finditer(page_markdown(path))
    ]
    assert not bad, f"{path.name}: use a colon fence (:::) for these: {bad}"


def test_the_check_finds_the_broken_fence() -> None:
    text = "intro\n```{admonition} Why `import dlbook` comes first\n:class: note\n```\n"
    assert BACKTICK_FENCE_WITH_BACKTICK.search(text)
    assert not BACKTICK_FENCE_WITH_BACKTICK.search("```{admonition} Plain title\n```")
    assert not BACKTICK_FENCE_WITH_BACKTICK.search("```python\nx = `y`\n```")


# A formula written over several lines breaks when one of its lines starts with what
# Markdown reads as a block marker: "+ x" and "- x" open a list item, "> x" a quote, so
# the formula is cut in two and shows raw (exercise 6's loss did). Move the sign to the
# end of the line before.
BLOCK_MARKER = re.compile(r"^\s*(?:[-+*>]\s|\d+[.)]\s|#)")
NOTEBOOKS = PAGES + sorted((ROOT / "solutions").glob("*.ipynb"))


def formula_lines_read_as_blocks(markdown: str) -> list[str]:
    """The lines inside an inline formula ($...$) that Markdown reads as a block."""
    text = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), markdown)
    text = re.sub(
        r"\$\$.*?\$\$", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S
    )
    bad, inside = [], False
    for line in text.split("\n"):
        if inside and BLOCK_MARKER.match(line):
            bad.append(line.strip())
        inside ^= len(re.findall(r"(?<!\\)\$", line)) % 2 == 1
    return bad


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_formula_line_starts_with_a_block_marker(path: Path) -> None:
    bad = formula_lines_read_as_blocks(page_markdown(path))
    assert not bad, f"{path.name}: formula lines Markdown reads as blocks: {bad}"


def test_the_check_finds_the_broken_formula() -> None:
    broken = "- the loss: $L = a\n  + b$, the ELBO\n"
    assert formula_lines_read_as_blocks(broken) == ["+ b$, the ELBO"]
    assert not formula_lines_read_as_blocks("- the loss: $L = a +\n  b$, the ELBO\n")
    assert not formula_lines_read_as_blocks("$a$ and\n- a list item\n")
    assert not formula_lines_read_as_blocks("$$\na\n+ b\n$$\n")
