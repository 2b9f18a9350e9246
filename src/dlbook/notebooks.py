"""Showing the package's own code in a chapter (:func:`show_source`)."""

from __future__ import annotations


class SourceCode:
    """Source code shown in a notebook: Markdown (highlighted) in HTML,
    plain text elsewhere."""

    def __init__(self, text: str, origin: str):
        self.text, self.origin = text, origin

    def __repr__(self) -> str:
        return f"# {self.origin}\n{self.text}"

    def _repr_markdown_(self) -> str:
        return f"```python\n# {self.origin}\n{self.text}```"


def show_source(obj) -> SourceCode:
    """Show the code of a ``dlbook`` function or class in a chapter,
    straight from the package.

    The chapter then displays the very code that later chapters import; nbval compares
    the stored output with the package's current source, so the two cannot drift apart.
    """
    import inspect

    module = inspect.getmodule(obj)
    return SourceCode(inspect.getsource(obj), f"{module.__name__}.{obj.__qualname__}")
