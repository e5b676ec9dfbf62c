"""Retry a call while a new IAM role propagates.

IAM is eventually consistent: for some seconds after create_role, Lambda answers "The role
defined for the function cannot be assumed by Lambda" and Step Functions that it is "not
authorized to assume the provided role". Both mean "not yet", so the call is retried with a
growing pause. The local cloud never answers so, and then nothing waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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


def is_propagation_delay(error: ClientError) -> bool:
    message = error.response.get("Error", {}).get("Message", "").lower()
    return any(text in message for text in PROPAGATION_MESSAGES)


def retry_while_role_propagates(
    call: Callable[..., T],
    *args: Any,
    timeout_s: float = 90.0,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> T:
    """`call(*args, **kwargs)`, repeated while AWS says the role cannot be assumed yet."""
    deadline = time.monotonic() + timeout_s
    pause = 1.0
    while True:
        try:
            return call(*args, **kwargs)
        except ClientError as error:
            if not is_propagation_delay(error) or time.monotonic() + pause > deadline:
                raise
            print(f"IAM role not usable yet; retrying in {pause:.0f} s")
            sleep(pause)
            pause = min(pause * 2, 10.0)
