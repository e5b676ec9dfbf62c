"""Every notebook reads like a textbook: more prose than code, short cells, one setup cell.

The figures are issue 13's, measured as its table measured them: a code cell's lines are its
source's lines, blank lines inside it included.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("0*.ipynb"))
MARKDOWN_PER_CODE_CELL = 1.2
MEDIAN_CODE_LINES = 4
MOST_CODE_LINES = 12


def cells(path: Path, kind: str) -> list[str]:
    notebook = json.loads(path.read_text())
    return ["".join(c["source"]).strip() for c in notebook["cells"] if c["cell_type"] == kind]


def lines(source: str) -> int:
    return len(source.splitlines())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_more_prose_than_code(path: Path) -> None:
    ratio = len(cells(path, "markdown")) / len(cells(path, "code"))
    assert ratio >= MARKDOWN_PER_CODE_CELL, f"{ratio:.2f} markdown cells per code cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_short_code_cells(path: Path) -> None:
    code = cells(path, "code")
    assert statistics.median(lines(c) for c in code) <= MEDIAN_CODE_LINES
    long = [c.splitlines()[0] for c in code if lines(c) > MOST_CODE_LINES]
    assert not long, f"code cells over {MOST_CODE_LINES} lines, starting: {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_one_setup_cell_and_no_path_edits(path: Path) -> None:
    code = cells(path, "code")
    assert sum("open_session(" in c for c in code) == 1
    assert "open_session(" in code[0], "the setup cell comes first"
    assert not any("sys.path" in c for c in code), "the project is installed: no path edits"
