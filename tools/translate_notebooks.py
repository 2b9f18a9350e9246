"""The Chinese notebooks, zh/book/NAME.ipynb, made from the English ones and the
catalogues.

    python -m tools.translate_notebooks          # write zh/ (after editing catalogues)
    python -m tools.translate_notebooks --check  # exit 1 if a zh/ notebook is stale

Each Markdown cell is translated message by message from the page's catalogue,
``locales/zh_CN/LC_MESSAGES/book/NAME.po`` (python -m tools.translations extract): a
message is the text of one paragraph, heading, list item, table cell or directive title,
exactly as Sphinx extracts it (lines joined by spaces), so the cell's lines that hold it
are replaced by its translation with the same prefix (``## ``, ``- ``, indentation). An
untranslated or fuzzy message stays English. Figures' alt text (cell metadata
``mystnb.image.alt``) is translated the same way. Code cells, their outputs and the
notebook's metadata are copied unchanged, so a Chinese notebook runs exactly as the
English one and shows the same stored results; tests/test_translation.py checks both.
The Colab and Binder buttons of the Chinese book open these copies. The Chinese
exercises, zh/exercises/NAME.ipynb, carry otter's public tests in that metadata, as
the English ones do; their graders' messages stay English.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

from tools.repository import EXERCISES, ROOT, book_notebooks
from tools.translations import ZH, catalogue_path, translations

# What may stand before a message on its first line: indentation, then a heading's #s,
# block-quote marks, a list marker, or a directive's opening fence and name.
_PREFIX = re.compile(
    r"^(\s*(?:#{1,6}\s+|(?:>\s*)+|[-*+]\s+|\d+[.)]\s+|(?::{3,}|`{3,})\{[\w:-]+\}\s*)?)(.*)$"
)


def _splits(line: str) -> list[tuple[str, str]]:
    """(prefix, text) readings of a line: with its marker, then with indentation only
    (a heading "# 1. Neurons" is not a list item)."""
    readings = [_PREFIX.match(line).groups()]
    plain = re.match(r"^(\s*)(.*)$", line).groups()
    if plain != readings[0]:
        readings.append(plain)
    return readings


def _normal(text: str) -> str:
    return " ".join(text.split())


def translate_markdown(source: str, table: dict[str, str], used: set[str]) -> str:
    """A Markdown cell's source with each message of ``table`` found in it replaced by
    its translation; the messages replaced are added to ``used``."""
    by_text = {_normal(msgid): msgid for msgid in table}
    lines = source.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        # a table row: each cell is a message of its own
        if lines[i].lstrip().startswith("|") and lines[i].rstrip().endswith("|"):
            cells = lines[i].split("|")
            for k, cell in enumerate(cells[1:-1], start=1):
                msgid = by_text.get(_normal(cell))
                if msgid is not None:
                    used.add(msgid)
                    cells[k] = f" {table[msgid]} "
            out.append("|".join(cells))
            i += 1
            continue
        # the longest run of lines, from this one, whose text is a message
        found = None
        for prefix, rest in _splits(lines[i]):
            if not rest.strip():
                continue
            text = rest
            for j in range(i, len(lines)):
                if j > i:
                    text += " " + lines[j].strip()
                normal = _normal(text)
                if normal in by_text:
                    found = (j, by_text[normal], prefix)
                if not any(key.startswith(normal) for key in by_text):
                    break
            if found is not None:
                break
        if found is None:
            out.append(lines[i])
            i += 1
            continue
        j, msgid, prefix = found
        used.add(msgid)
        indent = " " * len(prefix) if prefix.strip() else prefix
        translated = table[msgid].split("\n")
        out.append(prefix + translated[0])
        out += [indent + line for line in translated[1:]]
        i = j + 1
    return "\n".join(out)


def translate_notebook(english: dict, table: dict[str, str]) -> tuple[dict, set[str]]:
    """The Chinese notebook and the messages it used."""
    notebook = copy.deepcopy(english)
    used: set[str] = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            translated = translate_markdown(source, table, used)
            if translated != source:
                cell["source"] = translated.splitlines(keepends=True)
        image = cell.get("metadata", {}).get("mystnb", {}).get("image", {})
        if image.get("alt") in table:
            used.add(image["alt"])
            image["alt"] = table[image["alt"]]
    return notebook, used


def sources() -> list[Path]:
    """The English notebooks that have a catalogue, and so a Chinese copy: the book's
    and the exercises' (the exercises' masters in solutions/ have none)."""
    return [
        path
        for path in book_notebooks() + sorted(EXERCISES.glob("*.ipynb"))
        if catalogue_path(path.relative_to(ROOT).with_suffix("").as_posix()).is_file()
    ]


def target(english: Path) -> Path:
    return ZH / english.relative_to(ROOT)


def render(english: Path) -> tuple[str, set[str], dict[str, str]]:
    """(text of the Chinese notebook, messages used, the page's translations)."""
    page = english.relative_to(ROOT).with_suffix("").as_posix()
    table = translations(page)
    notebook, used = translate_notebook(
        json.loads(english.read_text(encoding="utf-8")), table
    )
    # written as nbformat writes (and as the English notebooks are committed)
    text = json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    return text, used, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for english in sources():
        text, used, table = render(english)
        path = target(english)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.relative_to(ROOT))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        name = path.relative_to(ROOT)
        print(f"{name}: {len(used)} of {len(table)} translations used")
    if stale:
        print("out of date (python -m tools.translate_notebooks):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
