"""The Chinese edition: Sphinx's gettext workflow over the book (CONTRIBUTING.md,
"The Chinese edition").

    python -m tools.translations extract  # _build/gettext/*.pot, then locales/zh_CN
    python -m tools.translations build    # the Chinese book in _build/html/zh_CN
    python -m tools.translations status   # messages per page: translated, fuzzy

The English pages and notebooks are the only sources. ``extract`` runs Sphinx's gettext
builder over them (one catalogue per page: the prose of every Markdown page and every
Markdown cell; code cells and outputs are not messages) and merges the templates into
``locales/zh_CN/LC_MESSAGES/<page>.po`` with sphinx-intl, keeping what is translated and
marking what changed as fuzzy. ``build`` builds the same sources with ``language =
zh_CN``: Sphinx replaces each message by its translation (an untranslated or fuzzy one
stays English), the theme's labels come in Chinese, and the search index segments
Chinese with jieba. The Colab and Binder buttons of a Chinese page open the Chinese copy
of its notebook, ``zh/book/NAME.ipynb`` (``python -m tools.translate_notebooks``).
A page that a program writes (``book/costs``, rewritten with new numbers by every
benchmark run) has no catalogue: the program writes its Chinese page too, under
``locales/zh_CN/pages``, and the Chinese build reads that page instead.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.repository import EXERCISES, ROOT, config, pages

LANGUAGE = "zh_CN"
LOCALES = ROOT / "locales"
MESSAGES = LOCALES / LANGUAGE / "LC_MESSAGES"
POT = ROOT / "_build" / "gettext"
HTML = ROOT / "_build" / "html"
HTML_ZH = HTML / LANGUAGE
# The notebooks' Chinese copies, laid out like the repository
# (zh/book/01-neurons.ipynb): a Chinese page's launch buttons use path_to_docs = "zh".
ZH = ROOT / "zh"
# Words that jieba's own dictionary lacks, so that the search index holds them
# whole (反向传播, not only 反向 and 传播); the glossary's terms are added too.
SEARCH_WORDS = LOCALES / LANGUAGE / "search_words.txt"
# The Chinese pages of pages that a program writes, laid out like the book
# (pages/book/costs.md, benchmarks/report.py renders it from the results that the
# English page shows): the Chinese build reads each in place of its English source
# (tools/sphinx_translation.py), and such a page has no catalogue.
PAGES_ZH = LOCALES / LANGUAGE / "pages"

TITLE_ZH = "深度学习：从第一性原理出发"
# _config.yml's texts that are no page's messages: the footer (keyed by its English, so
# that an English edit leaves it untranslated, and tests/test_translation.py says so).
FOOTER_ZH = {
    "Datasets: MNIST (CC BY-SA 3.0, LeCun, Cortes and Burges), Fashion-MNIST (MIT, "
    "Zalando SE), Tiny Shakespeare (public domain, via Karpathy's char-rnn), airline "
    "passengers (Box and Jenkins).": "数据集：MNIST（CC BY-SA 3.0，LeCun、Cortes 和 "
    "Burges）、Fashion-MNIST（MIT，Zalando SE）、Tiny Shakespeare（公有领域，经由 "
    "Karpathy 的 char-rnn）、航空乘客（Box 和 Jenkins）。"
}


def footer() -> tuple[str, str | None]:
    """(the English footer, its translation or None)."""
    english = " ".join(config()["html"]["extra_footer"].split())
    return english, FOOTER_ZH.get(english)


def overrides() -> dict:
    """Sphinx settings of the Chinese build, merged into those of ``_config.yml``."""
    return {
        "language": LANGUAGE,
        "html_title": TITLE_ZH,
        "html_search_language": "zh",
        "html_search_options": {"dict": str(search_dictionary())},
        # the toggle of a hidden code cell (the book hides inputs only: "source")
        "nb_code_prompt_show": "显示代码",
        "nb_code_prompt_hide": "隐藏代码",
        "html_theme_options": {
            "path_to_docs": "zh",
            "search_bar_text": "搜索本书……",
            "extra_footer": footer()[1] or footer()[0],
        },
    }


def whole_pages() -> list[str]:
    """The pages whose Chinese edition is a page of its own (``book/costs``), named as
    in ``_toc.yml``: no catalogue, no message template."""
    return sorted(
        p.relative_to(PAGES_ZH).with_suffix("").as_posix()
        for p in PAGES_ZH.rglob("*.md")
    )


def catalogue_path(page: str) -> Path:
    """The catalogue of a page named as in ``_toc.yml`` (``book/01-neurons``)."""
    return MESSAGES / f"{page}.po"


@dataclass
class Message:
    msgid: str
    msgstr: str
    fuzzy: bool

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and not self.fuzzy


def messages(page: str) -> list[Message]:
    """The current (not obsolete) messages of a page's catalogue, in order."""
    from babel.messages.pofile import read_po

    with catalogue_path(page).open("rb") as file:
        catalog = read_po(file)
    return [
        Message(str(entry.id), str(entry.string or ""), entry.fuzzy)
        for entry in catalog
        if entry.id
    ]


def translations(page: str) -> dict[str, str]:
    """msgid -> msgstr for the translated (non-fuzzy) messages of a page."""
    return {m.msgid: m.msgstr for m in messages(page) if m.translated}


def glossary() -> list[tuple[str, str]]:
    """(English, 中文) of every entry of the glossary (``book/glossary.md``: a Sphinx
    glossary whose definitions start with the Chinese term in bold)."""
    rows = []
    term = None
    text = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith((":", "`", "#")):
            term = line.strip()
            continue
        chinese = re.match(r"\s+\*\*(.+?)\*\*", line)
        if term and chinese:
            rows.append((term, chinese.group(1)))
        term = None
    return rows


def glossary_forms(chinese: str) -> list[str]:
    """The forms of a glossary entry's Chinese column: 精度（准确率） gives 精度 and
    准确率; 图形处理器（GPU） gives 图形处理器 and GPU."""
    forms = re.split(r"[（）()；;/]", chinese)
    return [form.strip() for form in forms if form.strip()]


def search_dictionary() -> Path:
    """jieba's user dictionary for the search index: ``search_words.txt`` and every
    Chinese term of the glossary, one word a line (written under _build/)."""
    words = []
    if SEARCH_WORDS.is_file():
        for line in SEARCH_WORDS.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                words.append(line.split()[0])
    for _, chinese in glossary():
        words += [
            w
            for w in glossary_forms(chinese)
            if " " not in w and re.fullmatch(r"[\u4e00-\u9fff]+", w)
        ]
    path = ROOT / "_build" / "jieba-dict.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    # a high frequency, so that jieba keeps each term whole where it occurs
    unique = dict.fromkeys(words)
    path.write_text("".join(f"{w} 100000\n" for w in unique), encoding="utf-8")
    return path


def _sphinx(
    builder: str, outdir: Path, doctrees: Path, extra: dict | None = None, strict=False
):
    from jupyter_book.sphinx import build_sphinx

    confoverrides = {"external_toc_path": "_toc.yml", "latex_individualpages": False}
    confoverrides.update(extra or {})
    return build_sphinx(
        ROOT,
        outdir,
        noconfig=True,
        path_config=ROOT / "_config.yml",
        confoverrides=confoverrides,
        doctreedir=doctrees,
        builder=builder,
        quiet=True,
        # as the English book's test build: every warning an error, all reported
        warningiserror=strict,
        keep_going=strict,
        freshenv=strict,
    )


def extract() -> None:
    """Message templates from the English book, then the catalogues updated."""
    from sphinx_intl import basic

    templates(POT)
    basic.update(str(LOCALES), str(POT), (LANGUAGE,), ignore_obsolete=True, jobs=1)
    for path in MESSAGES.rglob("*.po"):
        fill_untranslatable(path)
    # the glossary's terms stay English in the Chinese glossary (its entries are
    # bilingual, and the {term} links of the translations find them by these names)
    fill_untranslatable(catalogue_path("book/glossary"), {e for e, _ in glossary()})


def templates(outdir: Path) -> None:
    """The message templates (``.pot``) of the book's pages and of the exercise
    notebooks, extracted from the English sources into ``outdir``."""
    shutil.rmtree(outdir, ignore_errors=True)
    # MyST-NB chooses each output's form per builder and drops every output for one
    # it does not know, such as gettext; keeping the figures makes their alt text
    # (cell metadata mystnb.image.alt) a message. Text outputs stay literal blocks.
    keep_figures = {
        "nb_mime_priority_overrides": [
            ("gettext", "image/svg+xml", 10),
            ("gettext", "image/png", 20),
            ("gettext", "image/jpeg", 30),
            ("gettext", "text/plain", 40),
        ]
    }
    doctrees = ROOT / "_build" / ".doctrees-gettext"
    status = _sphinx("gettext", outdir, doctrees, keep_figures)
    if status:
        sys.exit(f"the gettext build failed ({status})")
    for page in whole_pages():  # translated as a whole page, not message by message
        (outdir / f"{page}.pot").unlink(missing_ok=True)
    # The exercise notebooks are no pages of the book: the same builder reads them
    # through a table of contents of their own, into exercises/NAME.pot.
    exercises = sorted(EXERCISES.glob("*.ipynb"))
    toc = ROOT / "_build" / "exercises-toc.yml"
    toc.write_text(
        json.dumps(
            {
                "format": "jb-book",
                "root": f"exercises/{exercises[0].stem}",
                "chapters": [{"file": f"exercises/{p.stem}"} for p in exercises[1:]],
            }
        ),
        encoding="utf-8",
    )
    excluded = [p for p in config()["exclude_patterns"] if p != "exercises"]
    extra = keep_figures | {
        "external_toc_path": str(toc),
        "exclude_patterns": excluded,
    }
    status = _sphinx(
        "gettext", outdir, doctrees.with_name(".doctrees-gettext-ex"), extra
    )
    if status:
        sys.exit(f"the gettext build of the exercises failed ({status})")


# What a message may hold that is never translated: math, code, roles with their
# targets, links' addresses, numbers, punctuation.
_KEPT = re.compile(
    r"\$\$.*?\$\$|\$[^$]+\$|\{[\w:-]+\}`[^`]*`|``.+?``|`[^`]+`"
    r"|<https?://[^>]+>|\(https?://[^)]+\)|https?://\S+"
)


def untranslatable(msgid: str) -> bool:
    """Whether a message holds nothing to translate (a cell of numbers, a formula)."""
    rest = _KEPT.sub(" ", msgid)
    return not re.search(r"[A-Za-z]{2,}", rest)


def fill_untranslatable(path: Path, keep: set[str] = frozenset()) -> int:
    """Copy each message that holds nothing to translate, or is in ``keep``, into its
    translation (the Chinese page shows it as the English one does); returns how many
    were filled.

    Also drops the ``python-format`` flag that Babel guesses from a "%" in the prose
    ("98% of" reads as a ``% o`` directive): no message is a format string, and the
    flag makes ``msgfmt --check-format`` and editors such as Poedit reject any natural
    Chinese translation of it."""
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as file:
        catalog = read_po(file)
    filled = changed = 0
    for entry in catalog:
        if entry.id and (untranslatable(str(entry.id)) or str(entry.id) in keep):
            if entry.string != entry.id or entry.fuzzy:
                entry.string = entry.id
                entry.flags.discard("fuzzy")
                filled += 1
        if "python-format" in entry.flags:
            entry.flags.discard("python-format")
            changed += 1
    if filled or changed:
        with path.open("wb") as file:
            write_po(file, catalog, width=76)
    return filled


def build(strict: bool = False) -> Path:
    """The Chinese book in ``_build/html/zh_CN``, beside the English one (``strict``:
    from scratch, nitpicky, every warning an error)."""
    extra = overrides() | ({"nitpicky": True} if strict else {})
    doctrees = ROOT / "_build" / f".doctrees-{LANGUAGE}"
    status = _sphinx("html", HTML_ZH, doctrees, extra, strict)
    if status:
        sys.exit(f"the Chinese book build failed ({status})")
    # The download button offers the page's source: the Chinese notebook, if any.
    for notebook in ZH.rglob("*.ipynb"):
        target = HTML_ZH / "_sources" / notebook.relative_to(ZH)
        if target.parent.is_dir():
            shutil.copyfile(notebook, target)
    return HTML_ZH


def status() -> list[tuple[str, int, int, int]]:
    """(page, messages, translated, fuzzy) for every page of the book."""
    rows = []
    exercises = [f"exercises/{p.stem}" for p in sorted(EXERCISES.glob("*.ipynb"))]
    for page in pages() + exercises:
        if page not in whole_pages() and catalogue_path(page).is_file():
            found = messages(page)
            rows.append(
                (
                    page,
                    len(found),
                    sum(m.translated for m in found),
                    sum(m.fuzzy for m in found),
                )
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["extract", "build", "status"])
    parser.add_argument(
        "--strict", action="store_true", help="build: every warning an error"
    )
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract()
    elif args.command == "build":
        print(f"The Chinese book is at {build(args.strict) / 'index.html'}")
    if args.command in ("extract", "status"):
        rows = status()
        rows.append(("all", *(sum(row[k] for row in rows) for k in (1, 2, 3))))
        for page, count, done, fuzzy in rows:
            print(f"{page:22s} {count:5d} messages {done:5d} done {fuzzy:3d} fuzzy")


if __name__ == "__main__":
    main()
