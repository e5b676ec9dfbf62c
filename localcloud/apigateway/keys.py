"""API keys, usage plans (throttle and quota) and stage throttling, as API Gateway applies them.

A key counts only if it is enabled and attached to a usage plan bound to this API and stage.
The plan's throttle is a token bucket per key (rateLimit tokens a second, burstLimit deep);
its quota counts requests per key per DAY, WEEK or MONTH (UTC, shifted by `offset` days).
Keys and plans are read live, not from the deployment: on AWS they apply without redeploying.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from localcloud import seams
from localcloud.apigateway import errors


@dataclass(frozen=True)
class KeyUse:
    key_id: str
    value: str


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(burst, 0)
        self.tokens = self.burst
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class Limiter:
    """Holds every bucket and quota counter of the server (they live as long as it does)."""

    def __init__(self) -> None:
        self.buckets: dict[tuple, TokenBucket] = {}
        self.quota_used: dict[tuple, int] = {}
        self.lock = threading.Lock()

    def check_key(
        self, account_id: str, region: str, api_id: str, stage: str, value: str | None
    ) -> KeyUse:
        """The request's API key, after its plan's throttle and quota; else raise 403/429."""
        key = seams.api_key_by_value(account_id, region, value) if value else None
        if key is None or not key.get("enabled"):
            raise errors.forbidden()
        plan = next(
            (
                plan
                for plan in seams.usage_plans_of_key(account_id, region, key["id"])
                if any(
                    s.get("apiId") == api_id and s.get("stage") == stage
                    for s in plan.get("apiStages") or []
                )
            ),
            None,
        )
        if plan is None:
            raise errors.forbidden()
        throttle = plan.get("throttle") or {}
        if throttle and not self._take(("plan", plan["id"], key["id"]), throttle):
            raise errors.too_many_requests()
        quota = plan.get("quota") or {}
        if quota.get("limit") is not None:
            self._count_quota(plan["id"], key["id"], quota)
        return KeyUse(key["id"], key["value"])

    def check_stage(
        self, api_id: str, stage: dict[str, Any], resource_path: str, http_method: str
    ) -> None:
        """Stage `methodSettings` throttling: the method's own setting, else `*/*`."""
        settings = stage.get("methodSettings") or {}
        method_key = resource_path.replace("/", "~1") + "/" + http_method
        for key in (method_key, "*/*"):
            setting = settings.get(key)
            if setting and "throttlingRateLimit" in setting:
                limits = {
                    "rateLimit": setting["throttlingRateLimit"],
                    "burstLimit": setting.get("throttlingBurstLimit", 0),
                }
                if not self._take(("stage", api_id, stage["stageName"], key), limits):
                    raise errors.too_many_requests()
                return

    def _take(self, bucket_key: tuple, throttle: dict[str, Any]) -> bool:
        rate = float(throttle.get("rateLimit", 0))
        burst = float(throttle.get("burstLimit", 0))
        with self.lock:
            bucket = self.buckets.get(bucket_key)
            # A changed plan takes effect at once, with a full bucket (as a new plan would).
            if bucket is None or (bucket.rate, bucket.burst) != (rate, burst):
                bucket = self.buckets[bucket_key] = TokenBucket(rate, burst)
        return bucket.take()

    def _count_quota(self, plan_id: str, key_id: str, quota: dict[str, Any]) -> None:
        counter = (plan_id, key_id, _period_start(quota, dt.datetime.now(dt.UTC).date()))
        with self.lock:
            used = self.quota_used.get(counter, 0)
            if used >= int(quota["limit"]):
                raise errors.limit_exceeded()
            self.quota_used[counter] = used + 1


def _period_start(quota: dict[str, Any], today: dt.date) -> dt.date:
    offset = int(quota.get("offset") or 0)
    period = quota.get("period", "DAY")
    if period == "WEEK":
        # offset 0 starts weeks on Sunday, 1 on Monday, ...
        days_since = (today.weekday() + 1 - offset) % 7
        return today - dt.timedelta(days=days_since)
    if period == "MONTH":
        start = today.replace(day=1) + dt.timedelta(days=offset)
        if start > today:  # the current period began in the previous month
            previous = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
            start = previous + dt.timedelta(days=offset)
        return start
    return today
