"""The answer to an action moto does not implement.

moto raises NotImplementedError, which its server turns into an HTML 500 page; boto3 retries a
500 four times (with backoff) before the caller sees a page of HTML. The local cloud answers at
once instead, in the protocol's own error format, with a status no AWS SDK retries.
"""

from __future__ import annotations

from localcloud.seams.core import MOTO_VERSION

# botocore retries 500, 502, 503 and 504 (botocore/data/_retry.json for the legacy mode,
# retries/standard.py for standard and adaptive), never 501.
STATUS = 501
CODE = "NotImplemented"
# What moto says when it has no method for the action at all (moto/core/responses.py).
_MOTO_MISSING_ACTION = "action has not been implemented"


def answer(service: str, action: str, detail: str) -> tuple[int, str, str]:
    """(HTTP status, error code, message) for `service:action`, which moto refused with `detail`."""
    message = f"The local cloud (moto {MOTO_VERSION}) does not implement {service}:{action}"
    if detail and _MOTO_MISSING_ACTION not in detail:
        # The action exists but this use of it does not: say which part.
        message += f" as called ({detail})"
    message += (
        ". Use an action the local cloud implements, or run this step against AWS "
        "(WORKBOOK_TARGET=aws)."
    )
    return STATUS, CODE, message
