"""The Chinese book (_build/html/zh_CN), driven in headless Chromium: every page loads
offline, math is typeset, the Chinese text is drawn with a CJK font and no missing-glyph
box, no paragraph is left in English, the launch buttons open the Chinese notebooks, and
the language switcher leads to the same page in English.

The server serves _build/html, so the Chinese pages sit at /zh_CN/ as they do when both
editions are published together; every file a Chinese page loads must come from /zh_CN/.
Every page is visited once (module-scoped fixture); a full-page screenshot of each (and
one of its first screen) lands in artifacts/screenshots/zh_CN/.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tools.repository import ROOT, pages

pytestmark = pytest.mark.browser

if not Path("/usr/bin/chromium").is_file():
    pytest.skip(
        "/usr/bin/chromium is missing "
        "(Debian's chromium; `make system-deps` installs it as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed"
)

import test_browser  # noqa: E402
from test_browser import (  # noqa: E402  (after the skips, as test_browser needs them)
    check_launch_buttons,
    check_math_typeset,
    check_page_loaded,
    open_page,
    serving,
)

# the English test's Chromium, which aborts (and records) requests leaving 127.0.0.1
browser_context = test_browser.browser_context

HTML = ROOT / "_build" / "html"
LANGUAGE = "zh_CN"
SCREENSHOTS = ROOT / "artifacts" / "screenshots" / LANGUAGE
PAGES = pages()
NOTEBOOKS = [entry for entry in PAGES if (ROOT / f"{entry}.ipynb").is_file()]
# Han characters (the CJK ideographs and their extensions A and compatibility forms)
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# a paragraph with this many English words and no Han character is left in English
ENGLISH_WORDS = 3


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server(built_book_zh: Path):
    """http://127.0.0.1:<free port>/ serving _build/html (the Chinese book at /zh_CN/)
    from a background thread."""
    with serving(built_book_zh.parent) as url:
        yield url


# The article's text blocks: their own text, leaving out code, cell outputs, math, the
# bibliography, glossary term names and the blocks nested inside (judged on their own).
JS_TEXT = """() => {
  const HAN = /[\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff]/;
  const SKIP = "pre, code, kbd, samp, .highlight, .cell_output, .output, .math, "
    + "mjx-container, .citation-list, .citation, .bibtex-citation, .footnote-list, "
    + "dt, a.headerlink, script, style, [lang='en'], details.hide > summary";
  const NESTED = "p, ul, ol, dl, table, figure, div, blockquote";
  const BLOCKS = "p, li, h1, h2, h3, h4, h5, h6, th, td, dd, figcaption, caption";
  const article = document.querySelector("article.bd-article");
  if (!article) { return { blocks: [], probes: [] }; }
  const blocks = [];
  for (const el of article.querySelectorAll(BLOCKS)) {
    if (el.closest(SKIP)) { continue; }
    const clone = el.cloneNode(true);
    clone.querySelectorAll(SKIP + ", " + NESTED).forEach(e => e.remove());
    const text = clone.textContent.replace(/\\s+/g, " ").trim();
    // a title of a cited work, which stays in English (CONTRIBUTING.md): the block
    // is one <em>, <cite> or external link
    const only = clone.children.length === 1 ? clone.children[0] : null;
    const title = Boolean(only && only.matches("em, cite, a.reference.external")
                          && only.textContent.replace(/\\s+/g, " ").trim() === text);
    if (text) { blocks.push({ tag: el.tagName.toLowerCase(), text, title, el }); }
  }
  // the elements whose fonts are read: the title and a few paragraphs in Chinese
  const chinese = blocks.filter(b => HAN.test(b.text));
  const paragraphs = chinese.filter(b => b.tag === "p");
  const picks = [chinese.find(b => b.tag === "h1"),
                 paragraphs[0], paragraphs[Math.floor(paragraphs.length / 2)],
                 paragraphs[paragraphs.length - 1]].filter(Boolean);
  const probes = [...new Set(picks)];
  probes.forEach((b, i) => b.el.setAttribute("data-zh-font-probe", String(i)));
  return { blocks: blocks.map(b => ({ tag: b.tag, text: b.text, title: b.title })),
           probes: probes.map(b => b.text) };
}"""

JS_COLLECT = """() => {
  const maths = [...document.querySelectorAll(".math")];
  const switchers = [...document.querySelectorAll("a.dlbook-language-switcher")];
  const hrefs = [...document.querySelectorAll("a[href]")].map(a => a.href);
  return {
    math: { elements: maths.length,
            untypeset: maths.filter(m => !m.querySelector("mjx-container")).length,
            containers: document.querySelectorAll("mjx-container").length,
            errors: [...document.querySelectorAll("mjx-merror")]
                      .map(e => e.textContent).slice(0, 5) },
    // the labels of myst-nb's toggles of hidden code cells ("Show code cell source")
    toggles: [...document.querySelectorAll("details.hide > summary p")]
      .map(p => p.textContent.trim()),
    launch: hrefs.filter(h => /colab\\.research\\.google\\.com|mybinder\\.org/.test(h)),
    downloads: hrefs.filter(h => h.includes("/_sources/")),
    switchers: switchers.map(a => {
      const r = a.getBoundingClientRect();
      return { href: a.href, text: a.textContent.trim(),
               visible: a.checkVisibility() && r.width > 0 && r.height > 0
                        && r.bottom > 0 && r.top < window.innerHeight
                        && r.left >= 0 && r.right <= window.innerWidth };
    }),
    innerText: document.body.innerText,
  };
}"""


@dataclass
class Visit(test_browser.Visit):
    """What the English test records of a page, and what the Chinese one adds."""

    outside_requests: list[str] = field(default_factory=list)
    blocks: list[dict] = field(default_factory=list)
    fonts: list[tuple[str, list[dict]]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    switchers: list[dict] = field(default_factory=list)
    toggles: list[str] = field(default_factory=list)


def platform_fonts(context, page, selectors: list[str]) -> list[list[dict]]:
    """The fonts Chromium drew the text under each selector with
    (CSS.getPlatformFontsForNode: familyName, postScriptName, isCustomFont,
    glyphCount)."""
    cdp = context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        found = []
        for selector in selectors:
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
            found.append(
                cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})[
                    "fonts"
                ]
            )
        return found
    finally:
        cdp.detach()


@functools.cache
def cjk_families() -> frozenset[str]:
    """The installed font families that cover Chinese (`fc-list :lang=zh`)."""
    out = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True
    ).stdout
    return frozenset(
        name.strip() for line in out.splitlines() for name in line.split(",")
    )


@functools.cache
def charset(postscript_name: str) -> frozenset[int]:
    """The code points the installed face covers (fontconfig's charset); empty for a
    face fontconfig does not know (a web font)."""
    if not postscript_name:
        return frozenset()
    out = subprocess.run(
        ["fc-list", f":postscriptname={postscript_name}", "-f", "%{charset}\n"],
        capture_output=True,
        text=True,
    ).stdout
    points: set[int] = set()
    for line in out.splitlines()[:1]:
        for part in line.split():
            low, _, high = part.partition("-")
            points.update(range(int(low, 16), int(high or low, 16) + 1))
    return frozenset(points)


def font_problems(text: str, fonts: list[dict]) -> list[str]:
    """What is wrong with drawing ``text`` with ``fonts`` (as getPlatformFontsForNode
    reports them): Chinese text and no CJK family among them, or characters none of the
    fonts has, which Chromium draws as a box (it still names a font for them, the
    fallback's .notdef glyph, so the glyph counts alone do not show it)."""
    problems = []
    families = [font["familyName"] for font in fonts]
    if HAN.search(text) and not cjk_families() & set(families):
        problems.append(f"Chinese text drawn without a CJK font ({families})")
    covered = frozenset().union(*(charset(f.get("postScriptName", "")) for f in fonts))
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in covered})
    if missing:
        problems.append(
            "characters no font used has (drawn as boxes): "
            + " ".join(f"U+{ord(c):04X}" for c in missing[:10])
            + f" (fonts {families})"
        )
    return problems


def outside_its_folder(request, visit) -> None:
    """Records a local request for a file outside the Chinese book's folder."""
    book = visit.url[: visit.url.index(f"/{LANGUAGE}/") + len(LANGUAGE) + 2]
    local = urlsplit(request.url).hostname == "127.0.0.1"
    if local and not request.url.startswith(book):
        visit.outside_requests.append(request.url)


@pytest.fixture(scope="module")
def visits(browser_context, server: str) -> dict[str, Visit]:
    """Each page of _toc.yml visited once in Chinese; a full-page screenshot of each,
    NAME.png, and one of its first screen, NAME.top.png,
    in artifacts/screenshots/zh_CN/."""
    context, external = browser_context
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    book = f"{server}{LANGUAGE}/"
    results: dict[str, Visit] = {}
    for entry in PAGES:
        visit = Visit(url=f"{book}{entry}.html")
        before = len(external)
        page = open_page(context, visit, on_request=outside_its_folder)
        text = page.evaluate(JS_TEXT)
        visit.blocks = text["blocks"]
        selectors = [f'[data-zh-font-probe="{i}"]' for i in range(len(text["probes"]))]
        visit.fonts = list(
            zip(text["probes"], platform_fonts(context, page, selectors))
        )
        data = page.evaluate(JS_COLLECT)
        visit.math, visit.inner_text = data["math"], data["innerText"]
        visit.launch, visit.downloads = data["launch"], data["downloads"]
        visit.switchers, visit.toggles = data["switchers"], data["toggles"]
        # the first screen (1280x900), as a reader sees it on opening, and the whole
        name = Path(entry).name
        page.screenshot(path=str(SCREENSHOTS / f"{name}.top.png"))
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        visit.external_requests = external[before:]
        page.close()
        results[entry] = visit
    # the fonts each probed paragraph was drawn with, for a human to read
    (SCREENSHOTS / "fonts.json").write_text(
        json.dumps(
            {
                entry: [
                    {"text": text[:40], "fonts": fonts} for text, fonts in visit.fonts
                ]
                for entry, visit in results.items()
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return results


# -------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("entry", PAGES)
def test_chinese_page_loads_offline_from_its_own_folder(visits, entry):
    """HTTP 200, no console or page errors, no failed request, no request beyond
    127.0.0.1, and every file the page loads is the Chinese book's own (under /zh_CN/).
    """
    visit = visits[entry]
    check_page_loaded(visit, entry)
    assert not visit.external_requests, (
        f"{entry} tried to reach the network (aborted): {visit.external_requests}"
    )
    assert not visit.outside_requests, (
        f"{entry} loads files from outside the Chinese book: {visit.outside_requests}"
    )


@pytest.mark.parametrize("entry", PAGES)
def test_chinese_math_is_typeset(visits, entry):
    """MathJax finished, every .math element holds an mjx-container, no MathJax error,
    no raw TeX shown (as test_browser.test_math_is_typeset)."""
    visit = visits[entry]
    check_math_typeset(visit, entry)
    assert not visit.math.get("errors"), f"MathJax errors on {entry}"


@pytest.mark.parametrize("entry", PAGES)
def test_chinese_text_is_drawn_with_a_cjk_font_without_boxes(visits, entry):
    """The title and a few paragraphs in Chinese (first, middle, last): Chromium drew
    them with an installed CJK family, and every character with a font that has it."""
    visit = visits[entry]
    assert visit.fonts, f"{entry}: no paragraph in Chinese to read the fonts of"
    problems = [
        f"{text[:60]!r}: {problem}"
        for text, fonts in visit.fonts
        for problem in font_problems(text, fonts)
    ]
    assert not problems, f"font problems on {entry}:\n" + "\n".join(problems)


def test_the_font_check_flags_a_character_no_font_has(browser_context):
    """U+10FFFD (private use) is in no installed font: Chromium draws a box, still
    reporting the CJK font for it; the check must flag it, and pass the same paragraph
    without it. A font without Chinese glyphs alone is no failure (Chromium falls back
    to a CJK font), but a font list without a CJK family is."""
    context, _ = browser_context
    page = context.new_page()
    page.set_content(
        '<html lang="zh-CN"><body style="font-family: \'DejaVu Serif\'">'
        '<p id="box">反向传播 \U0010fffd 梯度</p>'
        '<p id="fine">反向传播 backprop 梯度</p>'
        "</body></html>"
    )
    box, fine = platform_fonts(context, page, ["#box", "#fine"])
    page.close()
    assert cjk_families() & {f["familyName"] for f in box}, box
    assert any("U+10FFFD" in p for p in font_problems("反向传播 \U0010fffd 梯度", box))
    assert font_problems("反向传播 backprop 梯度", fine) == []
    dejavu = [{"familyName": "DejaVu Serif", "postScriptName": "DejaVuSerif"}]
    assert len(font_problems("反向传播", dejavu)) == 2


def english_words(text: str) -> list[str]:
    """The words of running English in ``text``: whitespace-separated tokens of letters
    (lower case, or a capital then lower case), punctuation around them stripped;
    acronyms (BLAS), names in mixed case (oneDNN) and tokens with digits or dots
    (versions, identifiers, platform strings) are no words."""
    tokens = (token.strip("()[]{},.;:!?\"'`") for token in text.split())
    return [token for token in tokens if re.fullmatch(r"[A-Za-z][a-z]+", token)]


def english_blocks(blocks: list[dict]) -> list[str]:
    """The blocks with several English words and not one Han character, titles of
    cited works (``title``: the block is one <em> or external link) left out."""
    return [
        f"<{block['tag']}> {block['text'][:120]}"
        for block in blocks
        if not block.get("title")
        and not HAN.search(block["text"])
        and len(english_words(block["text"])) >= ENGLISH_WORDS
    ]


def test_english_blocks_finds_paragraphs_left_in_english():
    blocks = [
        {"tag": "p", "text": "The gradient flows backwards through the graph."},
        {"tag": "p", "text": "梯度沿计算图反向流动 (Rumelhart et al., 1986)。"},
        {"tag": "td", "text": "1.25 ms 3.5 GB"},
        {"tag": "li", "text": "ReLU"},
        {"tag": "td", "text": "normal (Gaussian) distribution"},
        {"tag": "td", "text": "Neural Networks: Zero to Hero", "title": True},
        {"tag": "td", "text": "2.13.0+cpu (BLAS mkl, oneDNN)"},
        {"tag": "td", "text": "3.11.7, Linux-6.18.44-fc-v1272-x86_64-with-glibc2.36"},
    ]
    assert english_blocks(blocks) == [
        "<p> The gradient flows backwards through the graph.",
        "<td> normal (Gaussian) distribution",
    ]


@pytest.mark.parametrize("entry", PAGES)
def test_no_paragraph_is_left_in_english(visits, entry):
    """Each paragraph, list item, heading, caption and table cell of the article
    (code, outputs, math, the bibliography and glossary term names left out) with
    several English words holds Chinese too."""
    visit = visits[entry]
    assert visit.blocks, f"{entry}: no text found in the article"
    offenders = english_blocks(visit.blocks)
    assert not offenders, f"left in English on {entry}:\n" + "\n".join(offenders)


def test_code_cell_toggles_are_in_chinese(visits):
    """The labels of the toggles of hidden code cells ("Show code cell source"), left
    out of test_no_paragraph_is_left_in_english: the book's catalogues do not hold them,
    myst-nb's settings do (nb_code_prompt_show/hide in tools.translations.overrides)."""
    english = {
        f"{entry}: {label}"
        for entry, visit in visits.items()
        for label in visit.toggles
        if not HAN.search(label)
    }
    assert not english, "toggles in English:\n" + "\n".join(sorted(english))


@pytest.mark.parametrize("entry", NOTEBOOKS)
def test_chinese_launch_buttons_open_the_chinese_notebook(visits, server, entry):
    """Colab and Binder open zh/NAME.ipynb in the repository; the download button
    offers that notebook."""
    visit = visits[entry]
    check_launch_buttons(visit.launch, f"zh/{entry}.ipynb")
    notebooks = [h for h in visit.downloads if h.endswith(".ipynb")]
    assert notebooks == [f"{server}{LANGUAGE}/_sources/{entry}.ipynb"], notebooks
    with urllib.request.urlopen(notebooks[0], timeout=10) as response:
        assert response.read() == (ROOT / "zh" / f"{entry}.ipynb").read_bytes(), (
            f"the download button of {entry} does not offer zh/{entry}.ipynb"
        )


@pytest.mark.parametrize("entry", PAGES)
def test_language_switcher_leads_to_the_english_page(visits, server, entry):
    """One visible "English" link in the header, to the English page of the same
    name (checked to answer when the English book is built beside the Chinese one)."""
    switchers = visits[entry].switchers
    assert len(switchers) == 1, f"{entry}: {len(switchers)} language switchers"
    switcher = switchers[0]
    assert switcher["visible"], f"{entry}: the language switcher is not in view"
    assert switcher["text"] == "English", switcher
    assert switcher["href"] == f"{server}{entry}.html", switcher
    if (HTML / f"{entry}.html").is_file():
        try:
            with urllib.request.urlopen(switcher["href"], timeout=10) as response:
                html = response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            pytest.fail(f"{entry}: the English page answered {exc.code}")
        assert '<html lang="en"' in html, f"{switcher['href']} is not an English page"
