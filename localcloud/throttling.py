"""Request-rate quotas that AWS enforces per account and Region, as token buckets.

CloudWatch Logs' read APIs are meant for people, not polling loops: AWS throttles them at a
few transactions per second per account and Region and answers `ThrottlingException` ("Rate
exceeded"). A script that polls FilterLogEvents in a tight loop works locally without these
quotas and fails on AWS, so the local cloud enforces them (except at LOCALCLOUD_REALISM=off,
which is moto's own behaviour).

API Gateway's management API (the `apigateway` service that creates, deploys and manages
APIs; not the invoke URLs that call them) has fixed quotas of the same kind: CreateDeployment
once every 5 seconds, DeleteRestApi once every 30, ..., and every call counts toward an
account total of 10 a second. Over a quota AWS answers HTTP 429 `TooManyRequestsException`,
so a script that deploys in a loop without retries fails there; here too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from localcloud import realism
from localcloud.iam import requests


@dataclass(frozen=True)
class Quota:
    """`rate` requests a second on average, and up to `burst` at once."""

    rate: float
    burst: float

    @classmethod
    def every(cls, seconds: float, requests: int = 1) -> Quota:
        """AWS's "N requests every T seconds": N at once, then N more each T seconds."""
        return cls(requests / seconds, requests)


# Transactions per second per account and Region (docs/aws-fidelity.md has the sources). A
# bare number N is AWS's "N transactions per second": a burst of one second's worth.
LOGS_READ_QUOTAS: Mapping[str, float | Quota] = {
    "FilterLogEvents": 5,
    "GetLogEvents": 25,
    "DescribeLogStreams": 25,
}

# "API Gateway quotas for creating, deploying and managing an API", per account and Region
# (docs/aws-fidelity.md has the source). CreateRestApi and ImportRestApi have one quota for
# edge-optimized APIs (the default endpoint type) and one for Regional and private APIs.
EDGE = " (edge-optimized)"
APIGATEWAY_QUOTAS: Mapping[str, float | Quota] = {
    "CreateApiKey": 5,
    "CreateDeployment": Quota.every(5),
    "CreateDocumentationVersion": Quota.every(20),
    "CreateDomainName": Quota.every(30),
    "CreateResource": 5,
    "CreateRestApi": Quota.every(3),
    "CreateRestApi" + EDGE: Quota.every(30),
    "DeleteApiKey": 5,
    "DeleteDomainName": Quota.every(30),
    "DeleteResource": 5,
    "DeleteRestApi": Quota.every(30),
    "GetResources": Quota.every(2, requests=5),
    "ImportDocumentationParts": Quota.every(30),
    "ImportRestApi": Quota.every(3),
    "ImportRestApi" + EDGE: Quota.every(30),
    "PutRestApi": 1,
    "UpdateAccount": Quota.every(20),
    "UpdateDomainName": Quota.every(30),
    "UpdateUsagePlan": Quota.every(20),
}
# "Total operations": every management call, those above included, draws on this one too.
APIGATEWAY_TOTAL = Quota(rate=10, burst=40)
_QUOTA_OPERATIONS = frozenset(action.removesuffix(EDGE) for action in APIGATEWAY_QUOTAS)


class TokenBucket:
    """Holds up to `burst` tokens, refilled at `rate` a second; a request spends one.

    It starts full, so the first request always passes, even at a rate below one a second
    (CreateDeployment's once every 5 s is a burst of 1 refilled at 0.2 a second)."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if burst < 1:
            raise ValueError(f"a burst of {burst} never holds a whole token: every call fails")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = burst
        self.updated = clock()

    def wait_s(self) -> float:
        """Seconds until a token is there (0 if one is now)."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> bool:
        """Spend one token if there is one; False means the request is throttled."""
        if self.wait_s() > 0:
            return False
        self.tokens -= 1
        return True


def _as_quota(quota: float | Quota) -> Quota:
    return quota if isinstance(quota, Quota) else Quota(quota, quota)


class RateQuotas:
    """One token bucket per (account, Region, action) for the actions in `quotas`, and with a
    `total`, one per (account, Region) that every action draws on as well."""

    def __init__(
        self,
        quotas: Mapping[str, float | Quota],
        clock: Callable[[], float] = time.monotonic,
        total: Quota | None = None,
    ) -> None:
        self.quotas = quotas
        self.clock = clock
        self.total = total
        self.buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self.totals: dict[tuple[str, str], TokenBucket] = {}
        self.lock = threading.Lock()

    def admit(self, account_id: str, region: str, action: str) -> bool:
        """True if this call is within its quotas (always, for an action without one)."""
        return self.retry_after_s(account_id, region, action) is None

    def retry_after_s(self, account_id: str, region: str, action: str) -> float | None:
        """None if this call is within its quotas, and it spends a token of each; otherwise
        the seconds until it would be, and nothing is spent (a refused call costs nothing)."""
        with self.lock:
            buckets = []
            quota = self.quotas.get(action)
            if quota is not None:
                buckets.append(self._bucket(self.buckets, (account_id, region, action), quota))
            if self.total is not None:
                buckets.append(self._bucket(self.totals, (account_id, region), self.total))
            wait_s = max((bucket.wait_s() for bucket in buckets), default=0.0)
            if wait_s > 0:
                return wait_s
            for bucket in buckets:
                bucket.take()
            return None

    def _bucket(self, buckets: dict, key: tuple[str, ...], quota: float | Quota) -> TokenBucket:
        bucket = buckets.get(key)
        if bucket is None:
            quota = _as_quota(quota)
            bucket = buckets[key] = TokenBucket(quota.rate, quota.burst, self.clock)
        return bucket


def logs_read_quotas() -> RateQuotas | None:
    """The CloudWatch Logs read quotas this process enforces; None at LOCALCLOUD_REALISM=off."""
    return None if realism.level() == "off" else RateQuotas(LOGS_READ_QUOTAS)


def apigateway_quotas() -> RateQuotas | None:
    """API Gateway's management quotas this process enforces; None at LOCALCLOUD_REALISM=off.
    They are AWS's figures at `fast` as at `aws`: quotas, not delays."""
    if realism.level() == "off":
        return None
    return RateQuotas(APIGATEWAY_QUOTAS, total=APIGATEWAY_TOTAL)


def apigateway_action(method: str, path: str, query: str, body: bytes) -> str:
    """The API Gateway quota a management request falls under: its operation's name when
    APIGATEWAY_QUOTAS names it (with EDGE for an edge-optimized CreateRestApi or
    ImportRestApi), else "" (the total only). The body is read for CreateRestApi's endpoint
    type."""
    operation = requests.rest_operation("apigateway", method, path, query)
    if operation not in _QUOTA_OPERATIONS:
        return ""
    return operation + EDGE if _is_edge(operation, parse_qs(query), body) else operation


def _is_edge(operation: str, params: dict[str, list[str]], body: bytes) -> bool:
    # Without an endpoint type, API Gateway makes an edge-optimized API.
    if operation == "ImportRestApi":
        return params.get("endpointConfigurationTypes", ["EDGE"])[0] == "EDGE"
    if operation == "CreateRestApi":
        try:
            return "EDGE" in json.loads(body or b"{}")["endpointConfiguration"]["types"]
        except (ValueError, LookupError, TypeError):  # none given (or a body moto refuses)
            return True
    return False
