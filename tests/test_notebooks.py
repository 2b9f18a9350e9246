"""dlbook.notebooks: show_source shows a chapter the package's own code, as it is now.

(The committed notebooks themselves are tested in test_committed_notebooks.py.)"""

from __future__ import annotations

import importlib
import sys
import textwrap

from dlbook.notebooks import SourceCode, show_source
from dlbook.utils import Headline, seed_everything

MODULE = '''
def double(x):
    """Twice x."""
    return 2 * x
'''


def test_show_source_names_the_module_and_qualified_name():
    assert show_source(seed_everything).origin == "dlbook.utils.seed_everything"
    assert show_source(Headline.problems).origin == "dlbook.utils.Headline.problems"


def test_show_source_shows_the_code_that_runs():
    """The listing is the definition itself: run on its own, it defines a function
    that behaves as the package's."""
    listing = show_source(seed_everything).text
    namespace: dict = {}
    exec("import random\nimport numpy as np\n" + listing, namespace)
    ours, theirs = namespace["seed_everything"](3), seed_everything(3)
    assert ours.integers(0, 1000, 5).tolist() == theirs.integers(0, 1000, 5).tolist()
    method = textwrap.dedent(show_source(Headline.problems).text)
    assert method.startswith("def problems(self) -> list[str]:")


def test_show_source_follows_the_file_when_it_changes(tmp_path, monkeypatch):
    """What nbval relies on: a chapter that shows a function shows its current source,
    so an edit of the package changes the stored listing's comparison."""
    (tmp_path / "shown_module.py").write_text(MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("shown_module")
    try:
        assert show_source(module.double).text == MODULE.lstrip("\n")
        edited = MODULE.replace("2 * x", "x + x  # the same, written out")
        (tmp_path / "shown_module.py").write_text(edited, encoding="utf-8")
        module = importlib.reload(module)
        assert show_source(module.double).text == edited.lstrip("\n")
    finally:
        sys.modules.pop("shown_module", None)


def test_source_code_shows_as_text_and_as_highlighted_markdown():
    code = SourceCode("def f():\n    return 1\n", "dlbook.m.f")
    assert repr(code) == "# dlbook.m.f\ndef f():\n    return 1\n"
    assert (
        code._repr_markdown_() == "```python\n# dlbook.m.f\ndef f():\n    return 1\n```"
    )
