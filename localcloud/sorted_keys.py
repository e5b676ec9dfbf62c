"""A table's primary keys in scan order, so a Scan page can start where the last one ended.

DynamoDB serves a Scan page with an `ExclusiveStartKey` at the same cost at any table size.
Keeping the keys sorted, and updating that order as keys are added and removed, lets a page find
its start by bisection instead of walking (and sorting) every item before it.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

Key = tuple[Any, Any]  # (partition key, sort key or None), ordered as the table's scan order


class SortedKeys:
    """Keys in ascending order, with O(log n) lookup of where a page starts."""

    def __init__(self, keys: Iterable[Key]) -> None:
        self._keys: list[Key] = sorted(keys)
        self._members: set[Hashable] = set(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: Key) -> None:
        if key not in self._members:
            bisect.insort(self._keys, key)
            self._members.add(key)

    def discard(self, key: Key) -> None:
        if key in self._members:
            del self._keys[bisect.bisect_left(self._keys, key)]
            self._members.remove(key)

    def after(self, key: Key | None) -> Iterator[Key]:
        """The keys that follow `key` (all of them for None); `key` itself need not exist."""
        start = 0 if key is None else bisect.bisect_right(self._keys, key)
        return (self._keys[i] for i in range(start, len(self._keys)))
