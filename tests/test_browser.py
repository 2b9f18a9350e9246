"""The built HTML book, driven in headless Chromium: pages load cleanly and offline,
math is typeset, images and internal links work, launch buttons point to the repository,
search finds a chapter.

Every page is visited once (module-scoped fixture); the tests then check what was
recorded. A full-page screenshot of each page lands in artifacts/screenshots/ for a
human to look at.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urldefrag, urlsplit

import pytest

from tools.repository import ROOT, config, pages

HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RAW_MATH = ("\\[", "$$", "\\begin{", "\\tag{")
# A toolchain bug, not the book's: sphinx-thebe 0.3.1 adds its inline config script
# (`const THEBE_JS_URL = ...`) with app.add_js_file(None, body=...) at
# env-before-read-docs, and Sphinx 7.4 then emits it twice in every page, so the second
# copy throws. Harmless (thebe is not used) and pinned by
# test_thebe_config_is_declared_once, which fails (XPASS) once the toolchain is fixed.
KNOWN_PAGE_ERRORS = {"Identifier 'THEBE_JS_URL' has already been declared"}

pytestmark = pytest.mark.browser

if not CHROMIUM.is_file():
    pytest.skip(
        f"{CHROMIUM} is missing "
        "(Debian's chromium; `make system-deps` installs it as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed"
)


PAGES = pages()
NOTEBOOKS = [entry for entry in PAGES if (ROOT / f"{entry}.ipynb").is_file()]


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def book_html(built_book: Path, built_book_zh: Path) -> Path:
    """The book built by the session fixture of tests/conftest.py (warnings as
    errors), with the Chinese edition in zh_CN/, where every page's language switcher
    leads."""
    return built_book


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serving(folder: Path):
    """http://127.0.0.1:<free port>/ serving ``folder`` from a background thread."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def server(book_html: Path):
    """http://127.0.0.1:<free port>/ serving the built book."""
    with serving(book_html) as url:
        yield url


@dataclass
class Visit:
    url: str
    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    failed_local: list[str] = field(default_factory=list)
    has_math: bool = False
    mathjax_ready: bool = False
    math: dict = field(default_factory=dict)
    inner_text: str = ""
    images: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    launch: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    code: list[dict] = field(default_factory=list)
    equation_numbers: list[list[str]] = field(default_factory=list)
    sphinx_numbers: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser_context(server: str):
    """A Chromium context that aborts (and records) every request leaving 127.0.0.1."""
    external: list[str] = []

    def guard(route, request):
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            external.append(request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", guard)
        yield context, external
        context.close()
        browser.close()


JS_COLLECT = """() => {
  const text = el => (el ? el.innerText.trim() : "");
  const images = [...document.images].map(img => ({
    src: img.currentSrc || img.src, alt: (img.getAttribute("alt") || "").trim(),
    complete: img.complete, naturalWidth: img.naturalWidth,
    caption: text(img.closest("figure")
                  && img.closest("figure").querySelector("figcaption")),
  }));
  const anchors = [...document.querySelectorAll("a[href]")];
  const sameOrigin = anchors.filter(a => {
    try { return new URL(a.href).origin === location.origin; }
    catch (e) { return false; }
  });
  const launch = anchors.map(a => a.href)
    .filter(h => /colab\\.research\\.google\\.com|mybinder\\.org/.test(h));
  const maths = [...document.querySelectorAll(".math")];
  return {
    images, links: sameOrigin.map(a => a.href), launch,
    ids: [...document.querySelectorAll("[id]")].map(e => e.id)
           .concat([...document.querySelectorAll("a[name]")]
                     .map(e => e.getAttribute("name"))),
    math: { elements: maths.length,
            untypeset: maths.filter(m => !m.querySelector("mjx-container")).length,
            containers: document.querySelectorAll("mjx-container").length,
            errors: [...document.querySelectorAll("mjx-merror")]
                      .map(e => e.textContent).slice(0, 5),
            // display equations that stick out of their box
            // (cut off at the page's edge)
            overflowing: [...document.querySelectorAll('mjx-container[display="true"]')]
                           .filter(c => {
              const box = (c.parentElement || c).getBoundingClientRect();
              return [c, ...c.querySelectorAll("mjx-math")].some(m => {
                const r = m.getBoundingClientRect();
                return r.left < box.left - 1 || r.right > box.right + 1;
              });
            }).map(c => (c.closest(".math") || c).textContent.slice(0, 60)) },
    // code boxes (code cells and the listings of show_source)
    // that scroll sideways or wrap a line
    // (printed text outputs, div.output, wrap on purpose and are left out)
    code: [...document.querySelectorAll("div.highlight pre")]
      .filter(pre => !pre.closest("div.output")).map(pre => {
      const style = getComputedStyle(pre);
      const lines = pre.textContent.replace(/\\n$/, "").split("\\n");
      const lineHeight =
        parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
      const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
      return { first: lines[0].slice(0, 60),
               longest: Math.max(...lines.map(l => l.length)),
               scrolls: pre.scrollWidth > pre.clientWidth + 1,
               wraps: pre.scrollHeight - padding > (lines.length + 0.5) * lineHeight };
    }),
    // the equation numbers shown, in page order,
    // and displays showing more than one number
    equationNumbers: [...document.querySelectorAll('mjx-container[display="true"]')]
      .map(c => [...c.querySelectorAll('mjx-mtd[id^="mjx-eqn:"]')]
        .map(e => "(" + e.id.slice(8) + ")")),
    sphinxNumbers: [...document.querySelectorAll("div.math span.eqno")]
      .map(e => e.textContent.trim()),
    innerText: document.body.innerText,
  };
}"""

JS_MATHJAX = """async () => {
  await MathJax.startup.promise;
  if (MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  return true;
}"""

JS_EAGER_IMAGES = """async () => {
  for (const img of document.images) { img.loading = "eager"; }
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  await document.fonts.ready;
}"""


def open_page(context, visit: Visit, on_request=None):
    """A new page of ``context`` at ``visit.url``, loaded, its images decoded and its
    math typeset; records in ``visit`` the errors of the console and of the page, the
    local requests that failed, and MathJax's state. ``on_request(request, visit)``
    is called on every request (the Chinese test records those that leave its
    folder)."""
    page = context.new_page()
    if on_request is not None:
        page.on("request", lambda r, v=visit: on_request(r, v))
    page.on(
        "console",
        lambda m, v=visit: m.type == "error" and v.console_errors.append(m.text),
    )
    page.on("pageerror", lambda e, v=visit: v.page_errors.append(str(e)))
    page.on(
        "response",
        lambda r, v=visit: (
            r.status >= 400 and v.failed_local.append(f"{r.status} {r.url}")
        ),
    )
    page.on(
        "requestfailed",
        lambda r, v=visit: (
            urlsplit(r.url).hostname == "127.0.0.1"
            and v.failed_local.append(f"{r.failure} {r.url}")
        ),
    )
    response = page.goto(visit.url, wait_until="load")
    visit.status = response.status if response else None
    visit.has_math = page.evaluate("() => document.querySelector('.math') !== null")
    if visit.has_math:
        try:
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                timeout=15_000,
            )
            visit.mathjax_ready = page.evaluate(JS_MATHJAX)
        except sync_api.Error as exc:
            visit.page_errors.append(f"MathJax did not start: {exc}")
    page.evaluate(JS_EAGER_IMAGES)
    return page


@pytest.fixture(scope="module")
def visits(browser_context, server: str) -> dict[str, Visit]:
    """Each page of _toc.yml visited once;
    a full-page screenshot of each in artifacts/screenshots/."""
    context, external = browser_context
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Visit] = {}
    for entry in PAGES:
        visit = Visit(url=f"{server}{entry}.html")
        before = len(external)
        page = open_page(context, visit)
        data = page.evaluate(JS_COLLECT)
        visit.images, visit.links, visit.launch = (
            data["images"],
            data["links"],
            data["launch"],
        )
        visit.code = data["code"]
        visit.equation_numbers = data["equationNumbers"]
        visit.sphinx_numbers = data["sphinxNumbers"]
        visit.ids, visit.math, visit.inner_text = (
            set(data["ids"]),
            data["math"],
            data["innerText"],
        )
        page.screenshot(
            path=str(SCREENSHOTS / f"{Path(entry).name}.png"), full_page=True
        )
        visit.external_requests = external[before:]
        page.close()
        results[entry] = visit
    return results


class _IdCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


# -------------------------------------------------------------------------------- tests
def check_page_loaded(visit: Visit, entry: str) -> None:
    """HTTP 200, no console errors, no uncaught page errors (but the toolchain's known
    one), no same-origin request failing (for the Chinese book's test too)."""
    assert visit.status == 200, f"{visit.url} answered {visit.status}"
    assert not visit.console_errors, (
        f"console errors on {entry}: {visit.console_errors}"
    )
    page_errors = [e for e in visit.page_errors if e not in KNOWN_PAGE_ERRORS]
    assert not page_errors, f"page errors on {entry}: {page_errors}"
    assert not visit.failed_local, f"failed requests on {entry}: {visit.failed_local}"


@pytest.mark.parametrize("entry", PAGES)
def test_page_loads_without_errors(visits, entry):
    """HTTP 200, no console errors, no uncaught page errors,
    no same-origin request failing."""
    check_page_loaded(visits[entry], entry)


@pytest.mark.parametrize("entry", PAGES)
def test_page_makes_no_request_beyond_localhost(visits, entry):
    assert not visits[entry].external_requests, (
        f"{entry} tried to reach the network (aborted): "
        f"{visits[entry].external_requests}"
    )


def check_math_typeset(visit: Visit, entry: str) -> None:
    """MathJax finished, every .math element holds an mjx-container, no raw TeX shown
    (for the Chinese book's test too)."""
    if visit.has_math:
        assert visit.mathjax_ready, f"MathJax did not finish on {entry}"
        assert visit.math["containers"] > 0, f"{entry} has math but no mjx-container"
        assert visit.math["untypeset"] == 0, (
            f"{visit.math['untypeset']} of {visit.math['elements']} equations "
            f"on {entry} were not typeset"
        )
    for token in RAW_MATH:
        if token in visit.inner_text:
            at = visit.inner_text.index(token)
            pytest.fail(
                f"raw TeX {token!r} visible on {entry}: "
                f"...{visit.inner_text[max(0, at - 80) : at + 80]}..."
            )


@pytest.mark.parametrize("entry", PAGES)
def test_math_is_typeset(visits, entry):
    """MathJax finished, every .math element holds an mjx-container, no raw TeX."""
    check_math_typeset(visits[entry], entry)


@pytest.mark.parametrize("entry", PAGES)
def test_math_has_no_mathjax_errors(visits, entry):
    """No equation renders as a MathJax error box (mjx-merror)."""
    errors = visits[entry].math.get("errors", [])
    assert not errors, f"MathJax errors on {entry}: {errors}"


@pytest.mark.xfail(
    strict=True,
    reason="sphinx-thebe 0.3.1 + Sphinx 7.4 declare THEBE_JS_URL twice per page",
)
def test_thebe_config_is_declared_once(visits):
    """Pins the toolchain bug behind KNOWN_PAGE_ERRORS; drop both once this passes
    (XPASS fails the run)."""
    errors = {e for visit in visits.values() for e in visit.page_errors}
    assert not KNOWN_PAGE_ERRORS & errors, sorted(KNOWN_PAGE_ERRORS & errors)


@pytest.mark.parametrize("entry", PAGES)
def test_images_load(visits, entry):
    broken = [
        img["src"]
        for img in visits[entry].images
        if not img["complete"] or img["naturalWidth"] == 0
    ]
    assert not broken, f"images that did not load on {entry}: {broken}"


def _has_text_alternative(img: dict) -> bool:
    """A real alt text (not the file path myst-nb puts there) or a figure caption."""
    alt = img["alt"]
    alt_is_path = bool(re.fullmatch(r"\S+\.(png|jpe?g|gif|svg|webp)", alt, flags=re.I))
    return (bool(alt) and not alt_is_path) or bool(img["caption"])


@pytest.mark.parametrize("entry", PAGES)
def test_images_have_alt_text_or_caption(visits, entry):
    missing = [
        img["src"] for img in visits[entry].images if not _has_text_alternative(img)
    ]
    assert not missing, (
        f"images on {entry} without alt text or figure caption: {missing}"
    )


def test_internal_links_resolve(visits, server):
    """Every same-origin <a href> answers 200
    and its #fragment names an element of the target page."""
    ids_by_url = {urldefrag(v.url).url: v.ids for v in visits.values()}
    links: dict[str, set[str]] = {}
    for entry, visit in visits.items():
        for href in visit.links:
            links.setdefault(href, set()).add(entry)
    problems = []
    fetched: dict[str, tuple[int, bytes]] = {}
    for href, sources in sorted(links.items()):
        url, fragment = urldefrag(href)
        url = url.split("?", 1)[0]
        if url not in fetched:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    fetched[url] = (response.status, response.read())
            except urllib.error.HTTPError as exc:
                fetched[url] = (exc.code, b"")
        status, body = fetched[url]
        if status != 200:
            problems.append(f"{href} -> {status} (linked from {sorted(sources)})")
            continue
        if fragment:
            if url not in ids_by_url:
                collector = _IdCollector()
                collector.feed(body.decode("utf-8", errors="replace"))
                ids_by_url[url] = collector.ids
            if unquote(fragment) not in ids_by_url[url]:
                problems.append(
                    f"{href}: no element with id {unquote(fragment)!r} "
                    f"(linked from {sorted(sources)})"
                )
    assert links, "no internal links found at all"
    assert not problems, "broken internal links:\n" + "\n".join(problems)


@pytest.mark.parametrize("entry", NOTEBOOKS)
def test_launch_buttons_point_to_the_notebook_in_the_repository(visits, entry):
    check_launch_buttons(visits[entry].launch, f"{entry}.ipynb")


def check_launch_buttons(launch: list[str], notebook: str) -> None:
    """One Colab and one Binder button, each opening ``notebook`` (its path in the
    repository) on the configured branch (for the Chinese book's test too)."""
    repository = config()["repository"]
    owner_repo = repository["url"].removeprefix("https://github.com/").strip("/")
    branch = repository["branch"]
    colab = [h for h in launch if h.startswith("https://colab.research.google.com/")]
    binder = [h for h in launch if h.startswith("https://mybinder.org/")]
    assert colab == [
        f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook}"
    ], colab
    assert len(binder) == 1, f"expected one Binder button for {notebook}: {binder}"
    parts = urlsplit(binder[0])
    assert parts.path == f"/v2/gh/{owner_repo}/{branch}", binder[0]
    urlpath = parse_qs(parts.query).get("urlpath", [""])[0]
    assert urlpath.endswith(f"/{notebook}"), f"Binder opens {urlpath!r}, not {notebook}"


def test_search_finds_a_chapter(browser_context, server, book_html):
    term, chapter = "perceptron", "book/01-neurons"
    assert term in (book_html / f"{chapter}.html").read_text(encoding="utf-8").lower()
    context, _ = browser_context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}search.html?q={term}", wait_until="load")
    page.wait_for_selector("#search-results ul.search li a", timeout=20_000)
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(e => e.href)"
    )
    page.close()
    errors = [e for e in errors if e not in KNOWN_PAGE_ERRORS]
    assert not errors, errors
    assert any(urlsplit(h).path == f"/{chapter}.html" for h in hrefs), (
        f"{chapter} not among {hrefs}"
    )


@pytest.mark.parametrize("entry", PAGES)
def test_equations_fit_the_text_column(visits, entry):
    """No display equation is wider than its box at 1280 px (it would be cut off): break
    long ones over lines (`aligned` inside `equation`, see CONTRIBUTING.md)."""
    overflowing = visits[entry].math.get("overflowing", [])
    assert not overflowing, (
        f"equations wider than the text column on {entry}: {overflowing}"
    )


@pytest.mark.parametrize("entry", PAGES)
def test_code_fits_its_box(visits, entry):
    """At 1280 px every code cell and every listing is readable without scrolling
    sideways and without a wrapped line (the code's line length is 88;
    book/_static/custom.css sizes the box)."""
    bad = [
        f"{box['first']!r}... ({box['longest']} characters wide"
        f"{', scrolls' if box['scrolls'] else ''}{', wraps' if box['wraps'] else ''})"
        for box in visits[entry].code
        if box["scrolls"] or box["wraps"]
    ]
    assert not bad, f"code that does not fit its box on {entry}:\n" + "\n".join(bad)


@pytest.mark.parametrize("entry", NOTEBOOKS)
def test_equations_show_one_number_each_in_order(visits, entry):
    """Each display equation shows at most one number, (chapter.n), and a chapter's
    numbers increase down the page; Sphinx adds no numbers of its own beside the tags.
    """
    visit = visits[entry]
    assert not visit.sphinx_numbers, (
        f"{entry}: Sphinx numbers beside the tags: {visit.sphinx_numbers[:5]}"
    )
    several = [n for n in visit.equation_numbers if len(n) > 1]
    assert not several, f"{entry}: equations showing several numbers: {several[:5]}"
    shown = [n[0].strip("()") for n in visit.equation_numbers if n]
    if not Path(entry).name[:2].isdigit():  # an unnumbered page numbers no equation
        assert not shown, f"{entry}: numbered equations on an unnumbered page: {shown}"
        return
    chapter = int(Path(entry).name[:2])
    keys = [tuple(int(part) for part in n.split(".")) for n in shown]
    assert all(k[0] == chapter for k in keys), (
        f"{entry}: numbers of another chapter: {shown}"
    )
    out_of_order = [
        f"({a}) before ({b})"
        for (a, ka), (b, kb) in zip(zip(shown, keys), zip(shown[1:], keys[1:]))
        if kb <= ka
    ]
    assert not out_of_order, f"{entry}: equation numbers out of order: {out_of_order}"
