"""An IPython extension for the workbook's kernels: a NameError says what usually causes it.

Every notebook builds on its own earlier cells. After a kernel restart (or when a cell is run
before those above it), a name they define is missing, and Python's message alone does not
say why. `make lab` loads this in every kernel (.ipython/profile_default).
"""

from __future__ import annotations

from typing import Any

HINT = (
    "\nThis name is defined by an earlier cell that has not run in this kernel (after a "
    "kernel restart, nothing has). Run the notebook from the top: Run > Run All Cells, or "
    "Run > Run All Above Selected Cell."
)


def _explain(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    print(HINT)


def load_ipython_extension(shell: Any) -> None:
    shell.set_custom_exc((NameError,), _explain)
