"""Show project files in a notebook: highlighted, with a link that opens the file in the lab.

JupyterLab opens at the project folder (`make lab`), so the link, relative to `notebooks/`,
opens the file itself for editing.
"""

from __future__ import annotations

import ast
from pathlib import Path

from IPython.display import Markdown

from workbook.stack import REPO_ROOT

LANGUAGES = {".py": "python", ".json": "json"}


def show_source(path: str, *names: str) -> Markdown:
    """The file at `path` (relative to the project folder), or only the top-level functions
    and classes called `names` in it (with their decorators), as highlighted Markdown."""
    file = REPO_ROOT / path
    text = file.read_text()
    if names:
        text = "\n\n".join(_definition(file, text, name) for name in names)
    language = LANGUAGES.get(file.suffix, "")
    fence = "````" if "```" in text else "```"
    return Markdown(
        f"[{path}](../{path}){_part(names)}\n\n{fence}{language}\n{text.rstrip()}\n{fence}"
    )


def _part(names: tuple[str, ...]) -> str:
    return f" (`{'`, `'.join(names)}`)" if names else ""


def _definition(file: Path, text: str, name: str) -> str:
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            node.name == name
        ):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return "\n".join(text.splitlines()[first - 1 : node.end_lineno])
    raise LookupError(f"{file.name} defines no top-level function or class {name!r}")
