"""book/references.bib against the pages: every citation resolves, every entry is cited.

Reads the sources (Markdown pages, and the Markdown cells of the chapter notebooks), so
it needs no build; the build itself only warns about the same problems.
"""

from __future__ import annotations

import re

from tools.repository import BOOK, page_markdown

CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
ENTRY = re.compile(r"^@\w+\{\s*([^,\s]+)\s*,", re.MULTILINE)


def page_texts() -> dict[str, str]:
    pages = sorted(BOOK.glob("*.md")) + sorted(BOOK.glob("*.ipynb"))
    return {page.name: page_markdown(page) for page in pages}


def cited_keys() -> dict[str, set[str]]:
    """Each citation key, and the pages that cite it."""
    keys: dict[str, set[str]] = {}
    for page, text in page_texts().items():
        for group in CITE.findall(text):
            for key in group.split(","):
                keys.setdefault(key.strip(), set()).add(page)
    return keys


def bib_keys() -> list[str]:
    return ENTRY.findall((BOOK / "references.bib").read_text(encoding="utf-8"))


def test_the_pages_cite_something():
    assert len(cited_keys()) >= 20, "the citation pattern found almost no citations"


def test_every_citation_has_an_entry():
    entries = set(bib_keys())  # read once, not once per cited key
    missing = {k: sorted(p) for k, p in cited_keys().items() if k not in entries}
    assert not missing, f"cited but not in book/references.bib: {missing}"


def test_every_entry_is_cited_once_at_least():
    uncited = sorted(set(bib_keys()) - set(cited_keys()))
    assert not uncited, f"entries of book/references.bib that no page cites: {uncited}"


def test_no_entry_is_defined_twice():
    keys = bib_keys()
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
