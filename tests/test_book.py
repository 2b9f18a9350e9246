"""The HTML book builds with warnings as errors, renders math offline,
and has its launch buttons."""

from __future__ import annotations

import re

import pytest

from tools import notebook_setup
from tools.repository import ROOT, book_notebooks, pages

pytestmark = pytest.mark.book


def test_every_page_is_built(built_book):
    for entry in pages():
        page = built_book / f"{entry}.html"
        assert page.is_file(), f"{page.relative_to(built_book)} was not built"


def test_math_is_served_with_the_book(built_book):
    chapter = (built_book / "book" / "01-neurons.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in chapter
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (
        built_book / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    ).is_dir()
    assert r"\tag{1.17}" in chapter, "the chapter's numbered equations are missing"


def test_no_page_loads_scripts_or_styles_from_the_network(built_book):
    for page in built_book.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        remote = re.findall(
            r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', text
        )
        assert not remote, f"{page.relative_to(built_book)} loads {remote}"


def test_launch_buttons_point_to_the_configured_repository(built_book):
    url, branch = notebook_setup.repository()
    repo_path = url.removeprefix("https://github.com/")
    chapter = (built_book / "book" / "01-neurons.html").read_text(encoding="utf-8")
    colab = f"https://colab.research.google.com/github/{repo_path}/blob/{branch}/book/01-neurons.ipynb"
    assert colab in chapter, "no Colab button for the chapter notebook"
    binder = re.search(r'href="(https://mybinder\.org/v2/gh/[^"]+)"', chapter)
    assert (
        binder
        and f"{repo_path}/{branch}" in binder.group(1)
        and "book/01-neurons.ipynb" in binder.group(1)
    )


def test_datasets_are_credited_with_their_licences(built_book):
    text = (built_book / "book" / "data.html").read_text(encoding="utf-8")
    for needle in ("CC BY-SA 3.0", "MIT", "Zalando", "LeCun", "Shakespeare", "Box"):
        assert needle in text, f"the data page does not mention {needle}"


def test_every_chapter_has_a_run_this_chapter_box(built_book):
    for chapter in (path.stem for path in book_notebooks()):
        page = (built_book / "book" / f"{chapter}.html").read_text(encoding="utf-8")
        box_pattern = r'<div class="(?:tip admonition|admonition tip)">\s*'
        box_pattern += r'<p class="admonition-title">Run this chapter</p>'
        box = re.search(box_pattern + r"(.*?)</div>", page, re.S)
        assert box, f"{chapter}: no 'Run this chapter' box"
        for needle in ("2-core", "Colab", "JupyterLab"):
            assert needle in box.group(1), (
                f"{chapter}: the 'Run this chapter' box does not mention {needle}"
            )


def test_pages_offer_their_source_for_download(built_book):
    for entry in pages():
        source = next(ROOT.glob(f"{entry}.*"))
        page = (built_book / f"{entry}.html").read_text(encoding="utf-8")
        link = f"_sources/{entry}{source.suffix}"
        assert link in page, f"{entry}: no download link to its {source.suffix} source"
        assert (built_book / link).is_file(), f"{link} is not in the built book"
