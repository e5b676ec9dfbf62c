"""Polling AWS politely: waits whose intervals grow, and reads that ride out throttling.

AWS serves some reads at a few requests per second per account and Region, whoever sends
them: CloudWatch Logs' FilterLogEvents at 5 (a hard quota,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html). A class
shares one account, so thirty notebooks polling every quarter second would be throttled at
once. AWS's advice for polling and retries is exponential backoff with a cap
(https://docs.aws.amazon.com/general/latest/gr/api-retries.html), and jitter when many
clients retry together (https://docs.aws.amazon.com/wellarchitected/latest/framework/rel05-bp03.html).
So a wait here looks at once, then after 1 s, 1.5 s, 2.25 s ... up to 10 s between looks,
and a look that is throttled (after boto3's own retries) counts as "not yet".
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")

FIRST_POLL_S = 1.0  # one look a second per waiter at most: the quota is per account
GROWTH = 1.5
MAX_POLL_S = 10.0  # a late answer is noticed within 10 s
THROTTLED_READ_TIMEOUT_S = 120.0
# Error codes AWS services answer when a caller is over a request-rate quota.
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)


def intervals(
    first_s: float = FIRST_POLL_S, *, growth: float = GROWTH, cap_s: float = MAX_POLL_S
) -> Iterator[float]:
    """Seconds to sleep before each next look: `first_s`, then `growth` times more each
    time, never more than `cap_s` (nor less than `first_s`)."""
    interval = first_s
    while True:
        yield max(first_s, min(interval, cap_s))
        interval *= growth


def is_throttling(error: BaseException) -> bool:
    """True for an AWS answer that the caller is over a request-rate quota."""
    return isinstance(error, ClientError) and error.response["Error"]["Code"] in THROTTLING_CODES


def wait_for(
    check: Callable[[], T | None],
    *,
    timeout_s: float = 60,
    poll_s: float = FIRST_POLL_S,
    max_poll_s: float = MAX_POLL_S,
    what: str = "the condition",
) -> T:
    """Call `check` until it returns something other than None, and return that.

    Looks at once, then after `poll_s` seconds, growing to `max_poll_s` between looks. A
    look that AWS throttles counts as "not yet". TimeoutError after `timeout_s` seconds
    (the last look is at the deadline, so a condition that holds by then is seen).
    """
    deadline = time.monotonic() + timeout_s
    pauses = intervals(poll_s, cap_s=max(poll_s, max_poll_s))
    while True:
        try:
            result = check()
        except ClientError as error:
            if not is_throttling(error):
                raise
            result = None
        if result is not None:
            return result
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{what} did not happen within {timeout_s:.0f} s")
        time.sleep(min(next(pauses), left))


def ride_out_throttling(call: Callable[[], T], *, timeout_s: float = THROTTLED_READ_TIMEOUT_S) -> T:
    """`call()`, again after a growing, jittered pause each time AWS throttles it (boto3
    has already retried a few times by then); the throttling error after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    pauses = intervals()
    while True:
        try:
            return call()
        except ClientError as error:
            if not is_throttling(error) or time.monotonic() >= deadline:
                raise
        # Jitter: a class whose notebooks were throttled together should not retry together.
        pause = next(pauses)
        time.sleep(random.uniform(pause / 2, pause))


def every_page(call: Callable[..., Mapping[str, Any]], **query: Any) -> Iterator[Mapping[str, Any]]:
    """Every answer of `call(**query)` that pages with `nextToken` (FilterLogEvents, for
    one): the first, then one per token, each read riding out throttling."""
    while True:
        page = ride_out_throttling(partial(call, **query))
        yield page
        token = page.get("nextToken")
        if not token:
            return
        query = {**query, "nextToken": token}
