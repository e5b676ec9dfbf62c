"""Request-rate quotas that AWS enforces per account and Region, as token buckets.

CloudWatch Logs' read APIs are meant for people, not polling loops: AWS throttles them at a
few transactions per second per account and Region and answers `ThrottlingException` ("Rate
exceeded"). A script that polls FilterLogEvents in a tight loop works locally without these
quotas and fails on AWS, so the local cloud enforces them (except at LOCALCLOUD_REALISM=off,
which is moto's own behaviour).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from localcloud import realism

# Transactions per second per account and Region (docs/aws-fidelity.md has the sources).
LOGS_READ_QUOTAS: Mapping[str, float] = {
    "FilterLogEvents": 5,
    "GetLogEvents": 25,
    "DescribeLogStreams": 25,
}


class TokenBucket:
    """`rate` requests a second on average, and a burst of up to `rate` at once."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self.tokens = rate
        self.updated = clock()

    def take(self) -> bool:
        """Spend one token if there is one; False means the request is throttled."""
        now = self.clock()
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RateQuotas:
    """One token bucket per (account, Region, action) for the actions in `quotas`."""

    def __init__(
        self, quotas: Mapping[str, float], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.quotas = quotas
        self.clock = clock
        self.buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self.lock = threading.Lock()

    def admit(self, account_id: str, region: str, action: str) -> bool:
        """True if this call is within its quota (always, for an action without one)."""
        rate = self.quotas.get(action)
        if rate is None:
            return True
        key = (account_id, region, action)
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                bucket = self.buckets[key] = TokenBucket(rate, self.clock)
            return bucket.take()


def logs_read_quotas() -> RateQuotas | None:
    """The CloudWatch Logs read quotas this process enforces; None at LOCALCLOUD_REALISM=off."""
    return None if realism.level() == "off" else RateQuotas(LOGS_READ_QUOTAS)
