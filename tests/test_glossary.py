"""The glossary (book/glossary.md) is a Sphinx glossary that the pages link to.

Each entry gives the Chinese term, a meaning and the one page that introduces the term
({doc}`page`). That page links back to the entry with a {term} role where it defines
the term, and no other place in the book does; every {term} role names an entry, and
its text is a form of the term. (The book build, run with -n -W in tests/test_book.py,
also refuses a {term} role that names no entry; these tests need no build.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pytest

from tools.repository import ROOT, page_markdown, pages

GLOSSARY = ROOT / "book" / "glossary.md"
# Pages whose {term} links are still to be added (their notebooks were being rewritten
# when the glossary became a Sphinx glossary). An entry that names one of them must
# name a page whose text uses the term; once such a page has any {term} role, it is
# held to the full rule like every other page. Empty this set when all are linked.
PENDING_PAGES: set[str] = set()

ROLE = re.compile(r"\{term\}`([^`]*)`")
DOC = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`")
CJK = re.compile(r"[\u3400-\u9fff]")
STOPWORDS = {"a", "an", "and", "by", "for", "from", "in", "of", "on", "the", "to"}


@dataclass
class Entry:
    term: str
    chinese: str
    meaning: str
    page: str


@dataclass
class Reference:
    page: str
    shown: str
    target: str


def markdown_of(entry: str) -> str:
    """The Markdown a reader sees on a page (``entry`` as ``_toc.yml`` names it)."""
    path = ROOT / f"{entry}.md"
    return page_markdown(path if path.is_file() else ROOT / f"{entry}.ipynb")


@cache
def book_pages() -> dict[str, str]:
    return {entry.removeprefix("book/"): markdown_of(entry) for entry in pages()}


@cache
def entries() -> list[Entry]:
    text = GLOSSARY.read_text(encoding="utf-8")
    block = re.search(r"^```\{glossary\}\n(.*?)^```$", text, re.S | re.M)
    assert block, "book/glossary.md has no ```{glossary} block"
    found: list[Entry] = []
    lines = [line for line in block.group(1).splitlines() if not line.startswith(":")]
    term = None
    definition: list[str] = []

    def close() -> None:
        if term is None:
            return
        body = " ".join(part.strip() for part in definition)
        head = re.match(r"\*\*(.+?)\*\* — (.*)$", body)
        assert head, f"{term!r}: the definition must start with **中文** — meaning"
        docs = DOC.findall(body)
        assert len(docs) == 1, f"{term!r}: names {len(docs)} pages, not one"
        found.append(Entry(term, head.group(1), head.group(2), docs[0]))

    for line in lines:
        if not line.strip():
            continue
        if line[0].isspace():
            definition.append(line)
        else:
            close()
            term, definition = line.strip(), []
    close()
    return found


@cache
def references() -> list[Reference]:
    found = []
    for page, text in book_pages().items():
        if page == "glossary":
            continue
        for role in ROLE.findall(text):
            labelled = re.fullmatch(r"(.*?)\s*<([^<>]+)>", role, re.S)
            shown, target = labelled.groups() if labelled else (role, role)
            found.append(Reference(page, " ".join(shown.split()), target.strip()))
    return found


def words(text: str) -> list[str]:
    return [
        word
        for word in re.split(r"[^\w]+", text.lower())
        if word and word not in STOPWORDS
    ]


def same_stem(a: str, b: str) -> bool:
    n = min(5, len(a), len(b))
    return n >= 3 and a[:n] == b[:n]


SUFFIXES = ("ization", "ation", "ing", "age", "ity", "um", "ed", "es", "s", "e", "y")


def stem(word: str) -> str:
    """The word without one common suffix, keeping at least four letters."""
    for suffix in SUFFIXES:
        if word.lower().endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def stem_pattern(phrase: str) -> str:
    """A phrase in any inflection ('leakage' matches 'leak'); hyphens and
    spaces alike."""
    parts = [
        re.escape(stem(word)) + r"\w*" for word in re.split(r"[\s-]+", phrase) if word
    ]
    return r"(?<!\w)" + r"[\s-]+".join(parts)


def forms(term: str) -> list[str]:
    """The names a term goes by: 'rectified linear unit (ReLU)' is also 'ReLU',
    'float32 / bfloat16' is either."""
    bracketed = re.match(r"^(.*?)\s*\((.*)\)\s*(.*)$", term)
    names = (
        [f"{bracketed.group(1)} {bracketed.group(3)}".strip()]
        + re.split(r",\s*", bracketed.group(2))
        if bracketed
        else [term]
    )
    return [
        part.strip() for name in names for part in name.split(" / ") if part.strip()
    ]


def pending(page: str) -> bool:
    return page in PENDING_PAGES and not any(ref.page == page for ref in references())


def by_term() -> dict[str, Entry]:
    return {entry.term.lower(): entry for entry in entries()}


def test_the_glossary_has_the_entries_its_introduction_counts():
    text = GLOSSARY.read_text(encoding="utf-8")
    stated = re.search(r"each of the (\d+) terms", text)
    assert stated, "the introduction no longer says how many terms there are"
    assert int(stated.group(1)) == len(entries())


def test_terms_are_unique_and_in_alphabetical_order():
    terms = [entry.term.lower() for entry in entries()]
    duplicates = sorted({term for term in terms if terms.count(term) > 1})
    assert not duplicates, f"terms defined twice: {duplicates}"
    assert terms == sorted(terms), "the entries are not in alphabetical order"


def test_every_entry_gives_the_chinese_term_and_a_page_of_the_book():
    book = set(book_pages())
    for entry in entries():
        assert CJK.search(entry.chinese) or entry.chinese == entry.term, (
            f"{entry.term!r}: no Chinese term ({entry.chinese!r})"
        )
        assert entry.page in book and entry.page != "glossary", (
            f"{entry.term!r} names {entry.page!r}, which is not a page of the book"
        )


def test_every_term_reference_names_an_entry():
    known = by_term()
    unknown = [
        f"{ref.page}: {ref.target!r}"
        for ref in references()
        if ref.target.lower() not in known
    ]
    assert not unknown, f"{{term}} roles that name no glossary entry: {unknown}"


def test_each_term_is_linked_once_from_the_page_its_entry_names():
    known = by_term()
    places: dict[str, list[str]] = {}
    for ref in references():
        places.setdefault(ref.target.lower(), []).append(ref.page)
    problems = []
    for key, entry in known.items():
        linked_from = places.get(key, [])
        if len(linked_from) > 1:
            problems.append(
                f"{entry.term!r} is linked from {linked_from}: link it once"
            )
        elif linked_from and linked_from != [entry.page]:
            problems.append(
                f"{entry.term!r} names {entry.page} but is linked from {linked_from[0]}"
            )
        elif not linked_from and not pending(entry.page):
            problems.append(f"{entry.term!r}: {entry.page} has no {{term}} link to it")
    assert not problems, "\n".join(problems)


def test_a_page_still_without_links_uses_the_terms_its_entries_name():
    text = {page: " ".join(markdown.split()) for page, markdown in book_pages().items()}
    missing = [
        f"{entry.term!r} names {entry.page}, which never uses it"
        for entry in entries()
        if pending(entry.page)
        and not any(
            re.search(stem_pattern(name), text[entry.page], re.I)
            for name in forms(entry.term)
        )
    ]
    assert not missing, "\n".join(missing)


def test_the_link_text_is_a_form_of_the_term():
    wrong = [
        f"{ref.page}: {ref.shown!r} links to {ref.target!r}"
        for ref in references()
        if not any(same_stem(a, b) for a in words(ref.shown) for b in words(ref.target))
    ]
    assert not wrong, f"link texts that share no word with their term: {wrong}"


def test_no_heading_holds_a_term_link():
    """A link in a heading would land in the page's table of contents."""
    headings = [
        f"{page}: {line}"
        for page, text in book_pages().items()
        for line in text.splitlines()
        if line.startswith("#") and ROLE.search(line)
    ]
    assert not headings, headings


@pytest.mark.parametrize("term", ["accuracy", "sigmoid (logistic) function"])
def test_the_parser_reads_the_entries(term):
    """The tests above see the entries (a parser that found none would pass them)."""
    entry = by_term()[term]
    assert entry.meaning and entry.page.endswith(("backprop", "neurons"))
