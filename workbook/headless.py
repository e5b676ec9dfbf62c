"""Run the workbook's notebooks without a browser (nbclient), for catch-up and the scripts.

A notebook runs exactly as a learner's "Run All" would: in a fresh kernel, in notebooks/, with
this process's environment (so the same target and WORKBOOK_PREFIX).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from workbook import stack

# nbformat, nbclient and nbconvert are imported where they are used: they import jsonschema,
# which takes seconds, and every notebook's first cell imports this module (via catchup).
if TYPE_CHECKING:
    from nbformat import NotebookNode

NOTEBOOKS_DIR = stack.REPO_ROOT / "notebooks"
# A cell may wait as long as AWS takes: 07 waits up to 900 s for an alarm (a 60 s period
# and late metrics), and a catch-up cell runs whole notebooks. nbval gives each cell the same
# limit (notebooks/conftest.py).
CELL_TIMEOUT_S = 1800


class NotebookFailed(RuntimeError):
    """A cell raised; the message names the notebook and ends with the cell's error.

    `document` is the notebook as far as it ran, with the failing cell's traceback.
    """

    def __init__(self, message: str, document: NotebookNode) -> None:
        super().__init__(message)
        self.document = document


def notebooks() -> list[Path]:
    """Every workbook notebook, in order (NN-verb-resource.ipynb)."""
    return sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))


def notebook(number: str) -> Path:
    """The notebook numbered `number` ("01")."""
    found = [path for path in notebooks() if path.name.startswith(f"{number}-")]
    if len(found) != 1:
        raise FileNotFoundError(f"no single notebook {number}-*.ipynb in {NOTEBOOKS_DIR}")
    return found[0]


def run(path: Path, env: Mapping[str, str] | None = None) -> NotebookNode:
    """Execute the notebook at `path` and return it with its outputs (the file is unchanged)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    document = nbformat.read(path, as_version=4)
    client = NotebookClient(
        document,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        # Errors only: ipykernel warns on every start that its local TCP is unencrypted.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    try:
        client.execute(env=dict(os.environ if env is None else env))
    except CellExecutionError as error:
        raise NotebookFailed(f"{path.name} failed:\n{error}", document) from None
    return document


def save(document: NotebookNode, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(document, path)


def save_html(document: NotebookNode, path: Path) -> None:
    from nbconvert import HTMLExporter

    path.parent.mkdir(parents=True, exist_ok=True)
    html, _ = HTMLExporter().from_notebook_node(document)
    path.write_text(html, encoding="utf-8")
