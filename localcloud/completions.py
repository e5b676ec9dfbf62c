"""Waiting for work that another thread finishes, by key, without polling."""

from __future__ import annotations

import threading
from collections.abc import Hashable


class Completions:
    """One `threading.Event` per awaited key, set when `done(key)` is called.

    A waiter calls `expect(key)` and then checks whether the work already ended before
    waiting: `done` for a key nobody expects yet is a no-op, so that check closes the race.
    """

    def __init__(self) -> None:
        self._events: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def expect(self, key: Hashable) -> threading.Event:
        with self._lock:
            return self._events.setdefault(key, threading.Event())

    def done(self, key: Hashable) -> None:
        with self._lock:
            event = self._events.get(key)
        if event is not None:
            event.set()

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._events.pop(key, None)
