"""How a widget is refused.

A widget AWS refuses too (not JSON, no `metrics`, a wrong type or value) raises `WidgetError`,
answered as CloudWatch answers an invalid widget. A valid widget asking for what the local
cloud does not draw raises NotImplementedError naming that part, which the server answers as
for any part of an action it does not implement (`localcloud.unimplemented`).
"""

from __future__ import annotations

from typing import NoReturn


class WidgetError(ValueError):
    """A widget AWS would refuse: the message says what is wrong and where."""


def invalid(path: str, problem: str) -> NoReturn:
    """Refuse the widget: `problem` at `path` (a JSON pointer into it, "" for the whole)."""
    raise WidgetError(f"The MetricWidget is invalid at {path or '/'}: {problem}.")
