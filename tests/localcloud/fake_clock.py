"""A clock the test moves by hand, for the token buckets of localcloud/throttling.py."""

from __future__ import annotations


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
