"""The Chinese edition (CONTRIBUTING.md, "The Chinese edition"): its catalogues follow
the English text, its translations keep every number, formula, code span and reference,
use the glossary's terms, and its notebooks are the English ones with the prose
translated."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from tools import notebook_setup, translate_notebooks
from tools.repository import EXERCISES, ROOT, pages
from tools.translations import (
    HTML,
    LANGUAGE,
    catalogue_path,
    footer,
    glossary,
    glossary_forms,
    messages,
    templates,
    untranslatable,
    whole_pages,
)

# Pages whose translation is complete: each of their messages must be translated and
# none fuzzy. The others are expected to fail that test (strict: a page completed but
# not listed here fails too, so that it is added and stays complete).
COMPLETE = {
    "book/01-neurons",
    "book/02-backprop",
    "book/03-cnn",
    "book/04-rnn",
    "book/05-attention",
    "book/06-autoencoders",
    "book/background",
    "book/data",
    "book/faq",
    "book/glossary",
    "book/intro",
    "book/intro-measured",
    "book/practice",
    "book/recipe",
    "book/references",
    "book/tools",
    "book/trends",
    "exercises/01-neurons",
    "exercises/02-backprop",
    "exercises/03-cnn",
    "exercises/04-rnn",
    "exercises/05-attention",
    "exercises/06-autoencoders",
}

EXERCISE_PAGES = [f"exercises/{p.stem}" for p in sorted(EXERCISES.glob("*.ipynb"))]
PAGES = [page for page in pages() + EXERCISE_PAGES if catalogue_path(page).is_file()]


def test_every_page_and_exercise_notebook_has_a_catalogue():
    # a page translated as a whole (book/costs, tools.translations.whole_pages) has none
    missing = [
        p
        for p in pages() + EXERCISE_PAGES
        if p not in whole_pages() and not catalogue_path(p).is_file()
    ]
    assert not missing, (
        f"no catalogue for {missing}: run python -m tools.translations extract"
    )


@pytest.mark.parametrize(
    "page",
    [
        page
        if page in COMPLETE
        else pytest.param(
            page,
            marks=pytest.mark.xfail(
                strict=True, reason="translation not complete (COMPLETE above)"
            ),
        )
        for page in PAGES
    ],
)
def test_every_message_is_translated(page):
    todo = [m for m in messages(page) if not m.translated]
    listing = "\n".join(
        f"  {'fuzzy' if m.fuzzy else 'untranslated'}: {m.msgid[:100]!r}" for m in todo
    )
    assert not todo, (
        f"{catalogue_path(page).relative_to(ROOT)}: {len(todo)} messages to translate "
        f"or to confirm (remove the fuzzy flag once the translation matches the "
        f"English again):\n{listing}"
    )


# What a translation must keep exactly as the English has it.
_MATH = re.compile(r"\$\$.+?\$\$|(?<!\\)\$[^$]+\$")
_ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
_CODE = re.compile(r"``.+?``|`[^`]+`")
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")


def _role_target(role: str) -> str:
    """A role as what it points to: {term}`梯度下降 <gradient descent>` and
    {term}`gradient descent` both give {term}`gradient descent` (a translation
    translates the link's text and keeps its target)."""
    name, content = re.fullmatch(r"(\{[\w:-]+\})`([^`]*)`", role).groups()
    target = re.search(r"<([^<>]+)>$", content)
    return f"{name}`{target.group(1) if target else content}`"


def _role_text(match: re.Match) -> str:
    """The text a role shows: a {term} link's text, a titled link's title; a link
    written as its bare target ({doc}`01-neurons`, {cite}`key`) shows no English."""
    role, content = re.fullmatch(r"\{([\w:-]+)\}`([^`]*)`", match.group(0)).groups()
    titled = re.fullmatch(r"(.*?)\s*<[^<>]+>", content, re.DOTALL)
    if titled:
        return titled.group(1)
    return content if role == "term" else " "


def kept_parts(text: str) -> tuple[Counter, set[str]]:
    """(the math spans, roles (as their targets), code spans and link targets of a
    message; its numbers outside them)."""
    spans: Counter = Counter(_MATH.findall(text))
    text = _MATH.sub(" ", text)
    spans.update(_role_target(role) for role in _ROLE.findall(text))
    text = _ROLE.sub(" ", text)
    spans.update(_CODE.findall(text))
    text = _CODE.sub(" ", text)
    for match in _LINK_TARGET.finditer(text):
        spans[match.group(1) or match.group(2)] += 1
    numbers = set(_NUMBER.findall(_LINK_TARGET.sub(" ", text)))
    return spans, numbers


def test_kept_parts_finds_math_code_references_and_numbers():
    spans, numbers = kept_parts(
        "With $\\eta = 0.5$, `nn.Linear` and {cite}`cauchy1847methode` (1.12) "
        "[pooch](https://www.fatiando.org/pooch/) gives 60,000 and 0.0486, "
        "by {term}`梯度下降 <gradient descent>`."
    )
    assert set(spans) == {
        "$\\eta = 0.5$",
        "`nn.Linear`",
        "{cite}`cauchy1847methode`",
        "{term}`gradient descent`",
        "https://www.fatiando.org/pooch/",
    }
    assert numbers == {"1.12", "60,000", "0.0486"}


@pytest.mark.parametrize("page", PAGES)
def test_translations_keep_numbers_formulas_code_and_references(page):
    wrong = []
    for message in messages(page):
        if not message.translated or message.msgstr == message.msgid:
            continue
        spans, numbers = kept_parts(message.msgid)
        got_spans, _ = kept_parts(message.msgstr)
        lost = [span for span, n in spans.items() if got_spans[span] < n]
        # a number may move into a formula or a code span of the translation
        lost += [number for number in numbers if number not in message.msgstr]
        if lost:
            wrong.append(f"  {message.msgid[:80]!r} loses {lost}")
    assert not wrong, f"{page}: translations that change the original:\n" + "\n".join(
        wrong
    )


@pytest.mark.parametrize("page", PAGES)
def test_no_message_is_flagged_as_a_python_format_string(page):
    # Babel guesses the flag from "98% of"; msgfmt -c and Poedit then reject any Chinese
    # translation of it. tools.translations drops it (fill_untranslatable).
    text = catalogue_path(page).read_text(encoding="utf-8")
    flags = re.findall(r"^#,.*$", text, re.M)
    assert not [f for f in flags if re.search(r"\bpython-format\b", f)], page


@pytest.mark.parametrize("page", PAGES)
def test_translations_do_not_start_with_a_block_marker(page):
    """Sphinx parses each translation as Markdown of its own: "1. 神经元" would be
    a list, not the title "1. Neurons" it replaces (and is dropped); write
    "1\\. 神经元"."""
    marker = re.compile(r"^(?:\d+[.)]\s|[-*+]\s|#{1,6}\s|>)")
    wrong = [
        f"  {m.msgstr[:60]!r}"
        for m in messages(page)
        if m.translated and m.msgstr != m.msgid and marker.match(m.msgstr)
    ]
    assert not wrong, f"{page}: escape the marker (1\\. ...):\n" + "\n".join(wrong)


# Glossary terms an English message may use in another sense than the glossary's,
# where the translation rightly uses another word. Each: (term, a regular expression
# matched against the English message, why).
GLOSSARY_EXCEPTIONS = [
    ("depth", r"for more depth", "depth of study, not a network's depth"),
    ("attribution", r"Attribution-Share Alike|Attribution:\*\*", "a licence's 署名"),
    ("attribution", r"speaker.attribution", "a speech's speaker (说话人归属)"),
    ("time series", r"Time Series Data Library", "a proper name, kept in English"),
    (
        "kernel",
        r"kernel start|fused(\*\*)? kernels?",
        "a Jupyter kernel, a compute kernel (内核)",
    ),
    (
        "kernel",
        r"fixed kernel",
        "an SVM's kernel function (核函数), not a convolution's",
    ),
    ("bias", r"bias.variance|biases them towards zero", "statistical bias (偏差)"),
    (
        "precision",
        r"mixed precision|in the precision the run used",
        "numerical precision (混合精度, 精度 of arithmetic), not a classifier's",
    ),
    (
        "kernel",
        r"hand-chosen kernel|the kernel an SVM|kernel methods",
        "an SVM's kernel (核函数)",
    ),
    (
        "kernel",
        r"each chapter's kernels|library's kernels|CUDA kernels|int8 kernels"
        r"|sparse kernels|and the kernels",
        "compute kernels (内核), not a convolution's",
    ),
    (
        "kernel",
        r"direct convolution kernels|BLAS kernels|PyTorch's direct kernels",
        "compute kernels (内核) of oneDNN and BLAS, not a convolution's",
    ),
    (
        "momentum",
        r"conventions: momentum 0\.1",
        "batch normalization's running-average momentum (动量), not an optimizer's",
    ),
    ("kernel", r"Kernel SHAP", "a method's name, kept in English"),
    (
        "feed-forward network",
        r"deep feed-forward network",
        "an unrolled RNN, a plain deep network (前馈网络), not a transformer's",
    ),
    (
        "sequence",
        r"a sequence of (checks|yes/no questions)",
        "a series (一系列, 一连串), not a data sequence",
    ),
    (
        "kernel",
        r"whose weight they call the kernel",
        "Flax's and Keras's name, kept in English",
    ),
    (
        "inference",
        r"membership inference",
        "part of the term 成员推断, not a model's 推理",
    ),
    (
        "softmax",
        r"softmax regression",
        "the model's name (softmax 回归), not the function",
    ),
    ("attention", r"press attention", "the press's attention (关注)"),
    ("vocabulary", r"the vocabulary stuck", "words borrowed from biology (说法)"),
]

# The titles of cited works (in italics, several words) stay in their language.
_TITLE = re.compile(r"(?<!\*)\*(?!\*)[^*]+ [^*]+\*(?!\*)")


def _english_forms(english: str) -> list[str]:
    """An entry's English term without its brackets: "neuron (unit)" gives "neuron"."""
    main = re.sub(r"\s*\([^)]*\)", "", english).strip()
    return [main] if re.fullmatch(r"[A-Za-z][A-Za-z\- ]+", main) else []


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@pytest.mark.parametrize("page", PAGES)
def test_translations_use_the_glossary_terms(page):
    entries = [
        (term, [_squeeze(form) for form in glossary_forms(chinese)])
        for english, chinese in glossary()
        for term in _english_forms(english)
    ]
    wrong = []
    for message in messages(page):
        if not message.translated or message.msgstr == message.msgid:
            continue
        # a {term} link counts as its text
        english = _CODE.sub(" ", _ROLE.sub(_role_text, _MATH.sub(" ", message.msgid)))
        english = _TITLE.sub(" ", english)
        chinese = _squeeze(message.msgstr)
        for term, forms in entries:
            # an acronym (SHAP) is matched in capitals: "shapes" is not SHAP
            flags = 0 if term.isupper() else re.I
            if not re.search(rf"\b{re.escape(term)}(?:s|es)?\b", english, flags):
                continue
            if any(
                t == term and re.search(pattern, message.msgid, re.I)
                for t, pattern, _ in GLOSSARY_EXCEPTIONS
            ):
                continue
            if not any(form in chinese for form in forms):
                wrong.append(f"  {term!r} -> {forms}: {message.msgid[:70]!r}")
    assert not wrong, (
        f"{page}: the glossary's Chinese term is missing from the translation "
        "(or add a justified exception to GLOSSARY_EXCEPTIONS):\n" + "\n".join(wrong)
    )


def test_the_footer_is_translated():
    english, chinese = footer()
    assert chinese, f"translate the footer of _config.yml in FOOTER_ZH: {english!r}"


def test_messages_with_nothing_to_translate_are_recognized():
    assert untranslatable("$y$, $L$, $\\eta$")
    assert untranslatable("`train-images-idx3-ubyte.gz`")
    assert untranslatable("9,912,422")
    assert not untranslatable("weights and bias")
    assert not untranslatable("{cite}`zhang2023dive` says so")


def test_the_chinese_notebooks_are_up_to_date():
    assert translate_notebooks.main(["--check"]) == 0, (
        "run python -m tools.translate_notebooks"
    )


@pytest.mark.parametrize(
    "english",
    translate_notebooks.sources(),
    ids=lambda path: path.relative_to(ROOT).with_suffix("").as_posix(),
)
def test_chinese_notebook_has_the_english_code_and_outputs(english):
    chinese = translate_notebooks.target(english)
    en = json.loads(english.read_text(encoding="utf-8"))
    zh = json.loads(chinese.read_text(encoding="utf-8"))
    assert en["metadata"] == zh["metadata"]
    kinds = [cell["cell_type"] for cell in en["cells"]]
    assert kinds == [cell["cell_type"] for cell in zh["cells"]]
    for a, b in zip(en["cells"], zh["cells"]):
        if a["cell_type"] == "code":
            for key in ("source", "outputs", "execution_count"):
                assert a[key] == b[key], f"{chinese.name}: a code cell's {key} differs"
            meta_a, meta_b = dict(a["metadata"]), dict(b["metadata"])
            for meta in (meta_a, meta_b):
                meta.get("mystnb", {}).get("image", {}).pop("alt", None)
            assert meta_a == meta_b


@pytest.mark.parametrize(
    "english",
    translate_notebooks.sources(),
    ids=lambda path: path.relative_to(ROOT).with_suffix("").as_posix(),
)
def test_every_translation_of_a_notebook_reaches_it(english):
    _, used, table = translate_notebooks.render(english)
    lost = [msgid for msgid in table if msgid not in used]
    assert not lost, (
        f"{english.name}: translated messages that tools.translate_notebooks could "
        f"not place in the notebook: {[m[:60] for m in lost]}"
    )


def test_translate_markdown_keeps_prefixes_and_joins_lines():
    source = (
        "## 1.2 The neuron model\n"
        "- **Time:** about 10 s on the\n  2-core CPU.\n"
        "| notation | meaning |\n|---|---|\n"
        ":::{tip} Run this chapter\n"
        "# 1. Neurons\n"
        "Untouched line."
    )
    table = {
        "1.2 The neuron model": "1.2 神经元模型",
        "**Time:** about 10 s on the 2-core CPU.": "**时间：** 约 10 s，2 核 CPU。",
        "meaning": "含义",
        "Run this chapter": "运行本章",
        "1. Neurons": "1. 神经元",
    }
    used: set[str] = set()
    out = translate_notebooks.translate_markdown(source, table, used)
    assert out == (
        "## 1.2 神经元模型\n"
        "- **时间：** 约 10 s，2 核 CPU。\n"
        "| notation | 含义 |\n|---|---|\n"
        ":::{tip} 运行本章\n"
        "# 1. 神经元\n"
        "Untouched line."
    )
    assert used == set(table)


@pytest.mark.book
def test_the_catalogues_hold_the_messages_of_the_english_text(tmp_path):
    """An English edit not yet in the catalogues (make translations) fails here."""
    from babel.messages.pofile import read_po

    templates(tmp_path)
    stale = []
    for pot in sorted(tmp_path.rglob("*.pot")):
        page = pot.relative_to(tmp_path).with_suffix("").as_posix()
        with pot.open("rb") as file:
            english = {str(entry.id) for entry in read_po(file) if entry.id}
        held = (
            {m.msgid for m in messages(page)}
            if catalogue_path(page).is_file()
            else set()
        )
        for msgid in sorted(english - held):
            stale.append(f"  {page}: new or changed: {msgid[:90]!r}")
        for msgid in sorted(held - english):
            stale.append(f"  {page}: no longer in the English: {msgid[:90]!r}")
    assert not stale, (
        "the catalogues do not follow the English text; run make translations, then "
        "translate the new messages:\n" + "\n".join(stale)
    )


# The Chinese book: the session fixture built_book_zh of tests/conftest.py.


@pytest.mark.book
def test_every_page_is_built_in_chinese(built_book_zh):
    for page in pages():
        html = (built_book_zh / f"{page}.html").read_text(encoding="utf-8")
        assert '<html lang="zh-CN"' in html, f"{page}: not a Chinese page"


@pytest.mark.book
def test_the_chinese_chapter_shows_the_translation_and_the_same_equations(
    built_book_zh,
):
    html = (built_book_zh / "book" / "01-neurons.html").read_text(encoding="utf-8")
    english = (HTML / "book" / "01-neurons.html").read_text(encoding="utf-8")
    assert "神经元与梯度下降" in html and "运行本章" in html
    assert "基础" in html, "the sidebar's part captions are not translated"
    assert "Neurons and gradient descent" not in html
    tags = re.findall(r"\\tag\{1\.\d+\}", html)
    assert tags and tags == re.findall(r"\\tag\{1\.\d+\}", english)
    # the theme's own labels come in Chinese
    assert "搜索" in html


@pytest.mark.book
def test_every_page_links_to_its_other_language(built_book, built_book_zh):
    for page in pages():
        for book, label in ((built_book, "中文"), (built_book_zh, "English")):
            path = book / f"{page}.html"
            html = path.read_text(encoding="utf-8")
            link = re.search(
                r'class="dlbook-language-switcher" [^>]*href="([^"]+)"', html
            )
            assert link and f">{label}</a>" in html, f"{path}: no language switcher"
            other = (path.parent / link.group(1)).resolve()
            assert other.is_file(), f"{path}: the switcher points to missing {other}"
            assert other.relative_to(HTML).as_posix() in (
                f"{page}.html",
                f"{LANGUAGE}/{page}.html",
            )


@pytest.mark.book
def test_chinese_launch_buttons_open_the_chinese_notebooks(built_book_zh):
    url, branch = notebook_setup.repository()
    repo = url.removeprefix("https://github.com/")
    for english in translate_notebooks.sources():
        page = english.relative_to(ROOT).with_suffix("").as_posix()
        if page not in pages():
            continue  # an exercise notebook: no page
        html = (built_book_zh / f"{page}.html").read_text(encoding="utf-8")
        colab = (
            f"https://colab.research.google.com/github/{repo}/blob/{branch}/zh/{page}"
        )
        assert colab + ".ipynb" in html, f"{page}: no Colab button for zh/{page}.ipynb"
        binder = re.search(r'href="(https://mybinder\.org/v2/gh/[^"]+)"', html)
        assert binder and f"zh/{page}.ipynb" in binder.group(1)
        download = built_book_zh / "_sources" / f"{page}.ipynb"
        assert download.read_bytes() == translate_notebooks.target(english).read_bytes()


@pytest.mark.book
@pytest.mark.parametrize(
    "word, page", [("反向传播", "book/02-backprop"), ("注意力", "book/05-attention")]
)
def test_chinese_search_finds_the_chapter(built_book_zh, word, page):
    text = (built_book_zh / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    docs = set()
    for kind in ("terms", "titleterms"):
        found = index[kind].get(word, [])
        docs.update([found] if isinstance(found, int) else found)
    assert index["docnames"].index(page) in docs, (
        f"searching {word} does not find {page}"
    )
