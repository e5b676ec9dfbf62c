"""An undo log for a transaction that writes in place: the state of each item it touches,
remembered before its first write, so a cancelled transaction restores exactly those items.

This replaces copying every table a transaction touches (moto's rollback), whose cost grows
with the tables rather than with the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


class UndoLog:
    def __init__(self) -> None:
        self._before: dict[Hashable, Any] = {}

    def remember(self, key: Hashable, snapshot: Callable[[], Any]) -> None:
        """Keep `snapshot()` as the item's state before the transaction, once per item."""
        if key not in self._before:
            self._before[key] = snapshot()

    def restore(self, put_back: Callable[[Hashable, Any], None]) -> None:
        """Hand every remembered item back, newest first, to `put_back(key, state)`."""
        for key, state in reversed(self._before.items()):
            put_back(key, state)
        self._before.clear()
