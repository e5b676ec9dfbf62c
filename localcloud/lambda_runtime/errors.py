"""Lambda API errors the local runtime raises, shaped as the Lambda service answers them."""

from __future__ import annotations

import json

from moto.core.exceptions import JsonRESTError


class LambdaServiceError(JsonRESTError):
    def __init__(self, error_type: str, message: str, status: int, **extra: str) -> None:
        super().__init__(error_type, message)
        self.code = status
        self.description = json.dumps({"Type": "User", "message": message, **extra})


def request_too_large(size: int, limit: int) -> LambdaServiceError:
    kind = "RequestResponse" if limit > 1_048_576 else "Event"
    message = (
        f"{size} byte payload is too large for the {kind} invocation type (limit {limit} bytes)"
    )
    return LambdaServiceError("RequestEntityTooLargeException", message, 413)


def throttled() -> LambdaServiceError:
    return LambdaServiceError(
        "TooManyRequestsException",
        "Rate Exceeded.",
        429,
        Reason="ReservedFunctionConcurrentInvocationLimitExceeded",
    )
