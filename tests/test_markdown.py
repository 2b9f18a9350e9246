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
