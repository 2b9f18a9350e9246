"""Every listing a chapter promises is on the page.

``show_source(obj)`` returns the listing as a value; Jupyter displays a cell's
value only for its last expression. A second ``show_source`` call in a cell that is
not wrapped in ``display(...)`` is computed and thrown away, and the listing the
prose announces never appears (chapter 5 lost ``causal_mask`` and ``split_heads``
that way). These tests read the committed notebooks of ``book/``: each call must
reach the page, and the stored outputs must hold the listing of each object named
in a call.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from tools.repository import book_notebooks

NOTEBOOKS = book_notebooks()
IDS = [p.name for p in NOTEBOOKS]


def code_cells(path: Path) -> list[tuple[int, dict, ast.Module]]:
    """``(index among all cells, cell, parsed source)`` for each code cell."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    parsed = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        # IPython's magics and shell escapes are not Python: keep the line count
        python = "\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", ln) for ln in lines)
        parsed.append((index, cell, ast.parse(python)))
    return parsed


def is_call_to(node: ast.AST, name: str) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == name) or (
        isinstance(func, ast.Attribute) and func.attr == name
    )


def show_source_calls(tree: ast.Module) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if is_call_to(n, "show_source")]


def calls_on_the_page(tree: ast.Module) -> set[int]:
    """The ids of the calls whose value is displayed: the cell's last expression, or
    the argument of a ``display(...)``."""
    shown = {
        id(node.args[0])
        for node in ast.walk(tree)
        if is_call_to(node, "display") and node.args
    }
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        shown.add(id(tree.body[-1].value))
    return shown


def shown_name(call: ast.Call) -> str | None:
    """``softmax`` for ``show_source(softmax)``, ``Value.backward`` for
    ``show_source(Value.backward)``; ``None`` for a computed argument."""
    if not call.args:
        return None
    name = ast.unparse(call.args[0])
    return name if all(part.isidentifier() for part in name.split(".")) else None


def bound_names(tree: ast.Module) -> set[str]:
    """The names the cell itself assigns (loop variables among them): what they
    name is known only when the cell runs."""
    return {
        n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def stored_listings(cell: dict) -> list[str]:
    """The origin line of each listing in the cell's stored outputs
    (``dlbook.scratch.attention.softmax``)."""
    origins = []
    for output in cell.get("outputs", []):
        text = "".join(output.get("data", {}).get("text/plain", ""))
        if text.startswith("# dlbook."):
            origins.append(text.splitlines()[0][2:].strip())
    return origins


def test_the_notebooks_show_listings():
    calls = sum(
        len(show_source_calls(tree))
        for path in NOTEBOOKS
        for _, _, tree in code_cells(path)
    )
    assert calls >= 20, "the parser found almost no show_source calls"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_show_source_call_reaches_the_page(path):
    lost = []
    for index, _, tree in code_cells(path):
        shown = calls_on_the_page(tree)
        lost += [
            f"cell {index}: show_source({shown_name(call) or '...'})"
            for call in show_source_calls(tree)
            if id(call) not in shown
        ]
    assert not lost, (
        f"{path.name}: listings computed but never displayed (only a cell's last "
        f"expression is shown: one show_source per cell, or display(...)): {lost}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_named_listing_is_in_the_stored_outputs(path):
    missing = []
    for index, cell, tree in code_cells(path):
        origins, bound = stored_listings(cell), bound_names(tree)
        for call in show_source_calls(tree):
            name = shown_name(call)
            if name is None or name.split(".")[0] in bound:
                continue
            if not any(o.endswith(f".{name}") for o in origins):
                missing.append(f"cell {index}: {name}")
    assert not missing, (
        f"{path.name}: listings missing from the stored outputs (re-execute the "
        f"notebook, and check that each call reaches the page): {missing}"
    )
