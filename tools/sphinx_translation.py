"""A Sphinx extension of the book's gettext workflow (tools/translations.py).

Display equations are not messages: Sphinx extracts ``math_block`` nodes for
translation, but the Chinese edition shows each equation exactly as the English one, so
they are marked untranslatable before the i18n transform runs (Locale has priority 20).

The captions of the parts in the sidebar ("Foundations", ...) are messages of the root
page, but sphinx-external-toc inserts its toctrees after the i18n transform (priority
100), so Sphinx never translates them: TranslateTocCaptions does, from the same
catalogue.

A page that a program writes has no catalogue: its Chinese edition is a page of its
own, ``locales/<language>/pages/<docname>.md`` (``book/costs``, which the benchmark
renders in both languages from the same results, benchmarks/report.py), and
read_whole_page gives it to Sphinx in place of the English source.
"""

from __future__ import annotations

from os import path
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain


class KeepEquations(SphinxTransform):
    default_priority = 15

    def apply(self, **kwargs) -> None:
        for node in self.document.findall(nodes.math_block):
            node["translatable"] = False


class TranslateTocCaptions(SphinxTransform):
    default_priority = 101  # after sphinx_external_toc's InsertToctrees (100)

    def apply(self, **kwargs) -> None:
        if not self.config.language or self.config.language == "en":
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if not has_catalog:
            return
        for toctree in self.document.findall(addnodes.toctree):
            caption = toctree.get("caption")
            if caption and catalog.gettext(caption) != caption:
                toctree["caption"] = catalog.gettext(caption)


def whole_page(app, docname: str) -> Path | None:
    """The page of its own of ``docname`` in the build's language, if it has one."""
    language = app.config.language
    if not language or language == "en":
        return None
    for locale_dir in app.config.locale_dirs:
        page = Path(app.srcdir, locale_dir, language, "pages", f"{docname}.md")
        if page.is_file():
            return page
    return None


def read_whole_page(app, docname: str, source: list[str]) -> None:
    """Sphinx's source-read event: the translated page replaces the English source
    (and is a dependency of the document, so that an edit rebuilds it)."""
    page = whole_page(app, docname)
    if page is not None:
        app.env.note_dependency(str(page))
        source[0] = page.read_text(encoding="utf-8")


def setup(app):
    app.add_transform(KeepEquations)
    app.add_transform(TranslateTocCaptions)
    app.connect("source-read", read_whole_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
