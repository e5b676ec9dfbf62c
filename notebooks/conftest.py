"""Under nbval each notebook cell is one test: give it as long as a headless run gives a cell.

pytest.ini's `timeout` suits the test suites; a cell waits as long as AWS takes (07's alarm
waits: up to 900 s), so notebook cells get workbook/headless.py's CELL_TIMEOUT_S instead.
"""

from __future__ import annotations

import pytest

from workbook.headless import CELL_TIMEOUT_S


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.timeout(CELL_TIMEOUT_S))
