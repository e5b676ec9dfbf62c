"""What the tests of a workflow's service tasks share: names, a role that propagates, causes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from botocore.exceptions import ClientError


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def unless_refused(create: Callable[[], str]) -> str | None:
    """`create()`, or None while a new role is refused (it propagates, as on AWS)."""
    try:
        return create()
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDeniedException":
            raise
        return None


def cause_pattern(service: str, message: str, status: int, code: str) -> str:
    """A task's error cause as Step Functions writes it from the service's answer
    (`service` as the cause names it: AWSLambda, AmazonSNS)."""
    return (
        re.escape(message)
        + re.escape(f" (Service: {service}; Status Code: {status}; Error Code: {code}; ")
        + r"Request ID: [\w-]+; Proxy: null\)"
    )
