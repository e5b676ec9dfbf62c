"""Retry a call while a new IAM role propagates.

IAM is eventually consistent: for some seconds after create_role, Lambda answers "The role
defined for the function cannot be assumed by Lambda" and Step Functions that it is "not
authorized to assume the provided role". Both mean "not yet", so the call is retried with a
growing pause. A retry may then meet the service's rate quota for that call (API Gateway's
UpdateAccount: once every 20 s per account), which also means "not yet".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")

PROPAGATION_MESSAGES = (
    "cannot be assumed by lambda",  # Lambda CreateFunction / UpdateFunctionConfiguration
    "authorized to assume the provided role",  # Step Functions CreateStateMachine
    "execution role does not have permissions",  # Lambda, before the inline policy arrives
    "not authorized to access the log destination",  # Step Functions logging
    "does not have required permissions",  # API Gateway account's CloudWatch role
)


# Rate quotas: botocore has retried a few times already; the caller's longer pauses go on.
THROTTLING_CODES = {"TooManyRequestsException", "ThrottlingException", "Throttling"}


def is_propagation_delay(error: ClientError) -> bool:
    message = error.response.get("Error", {}).get("Message", "").lower()
    return any(text in message for text in PROPAGATION_MESSAGES)


def _worth_retrying(error: ClientError) -> bool:
    return is_propagation_delay(error) or error.response["Error"]["Code"] in THROTTLING_CODES


def retry_while_role_propagates(
    call: Callable[..., T],
    *args: Any,
    timeout_s: float = 90.0,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> T:
    """`call(*args, **kwargs)`, repeated while AWS says the role cannot be assumed yet."""
    pauses = _pauses(timeout_s)
    while True:
        try:
            return call(*args, **kwargs)
        except ClientError as error:
            pause = next(pauses, None)
            if not _worth_retrying(error) or pause is None:
                raise
            if is_propagation_delay(error):
                print(f"IAM role not usable yet; retrying in {pause:.0f} s")
            else:
                code = error.response["Error"]["Code"]
                print(f"Rate quota reached ({code}); retrying in {pause:.0f} s")
            sleep(pause)


def run_while_policy_propagates(
    start: Callable[..., dict[str, Any]],
    *args: Any,
    timeout_s: float = 90.0,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> dict[str, Any]:
    """A synchronous workflow run (`start_sync_execution`), started again while it fails
    because the state machine role's new policy is not in force yet: a task's call is then
    refused ("... is not authorized to perform ..."), and the refused call did nothing."""
    pauses = _pauses(timeout_s)
    while True:
        run = start(*args, **kwargs)
        refused = "is not authorized to perform" in run.get("cause", "")
        pause = next(pauses, None) if run["status"] == "FAILED" and refused else None
        if pause is None:
            return run
        print(f"IAM policy not in force yet; retrying in {pause:.0f} s")
        sleep(pause)


def _pauses(timeout_s: float) -> Iterator[float]:
    """1, 2, 4, 8, then 10 s between attempts, while the next would start before the
    deadline."""
    deadline = time.monotonic() + timeout_s
    pause = 1.0
    while time.monotonic() + pause <= deadline:
        yield pause
        pause = min(pause * 2, 10.0)
