"""A Sphinx extension of the book's gettext workflow (tools/translations.py).

Display equations are not messages: Sphinx extracts ``math_block`` nodes for
translation, but the Chinese edition shows each equation exactly as the English one, so
they are marked untranslatable before the i18n transform runs (Locale has priority 20).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform


class KeepEquations(SphinxTransform):
    default_priority = 15

    def apply(self, **kwargs) -> None:
        for node in self.document.findall(nodes.math_block):
            node["translatable"] = False


def setup(app):
    app.add_transform(KeepEquations)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
