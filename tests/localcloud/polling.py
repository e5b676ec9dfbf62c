"""Waiting for what AWS makes eventually visible (late logs and metrics), as a client must."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(check: Callable[[], T], seconds: float = 10) -> T:
    """Call `check` until it returns something truthy or `seconds` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)
