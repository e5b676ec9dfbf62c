"""moto's Lambda backend, with an `invoke` that runs the function's code in a local worker.

moto keeps every function's configuration and code; this subclass only replaces how an
invoke is carried out (the same seam moto's own `awslambda_simple` backend uses).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, ClassVar

from localcloud import lifecycle
from localcloud.lambda_runtime.errors import request_too_large
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.seams import LambdaBackend

# The invocation's request id travels to the server's response hook under this header.
INVOKE_REQUEST_ID_HEADER = "x-localcloud-invoke-request-id"
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024  # 6 MB for RequestResponse
ASYNC_PAYLOAD_LIMIT = 1024 * 1024  # 1 MB for Event

log = logging.getLogger(__name__)


class LocalLambdaBackend(LambdaBackend):
    runtime: ClassVar[LambdaRuntime | None] = None  # set once by the server at start

    def invoke(
        self,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes | None:
        function = self.get_function(function_name, qualifier)
        invocation_type = headers.get("X-Amz-Invocation-Type", "RequestResponse")
        raw = body.encode() if isinstance(body, str) else (body or b"")
        limit = ASYNC_PAYLOAD_LIMIT if invocation_type == "Event" else SYNC_PAYLOAD_LIMIT
        if len(raw) > limit:
            raise request_too_large(len(raw), limit)
        if invocation_type == "DryRun":
            return b""
        event = _parse_event(raw)
        runtime = self.runtime
        assert runtime is not None, "the local cloud server sets LocalLambdaBackend.runtime"
        if invocation_type == "Event":
            # Refused now, not in the background: the caller gets the answer, as on AWS.
            lifecycle.functions.check_invocable(function.function_arn)
            threading.Thread(
                target=_invoke_in_background,
                args=(runtime, function, qualifier, event),
                daemon=True,
            ).start()
            return b""
        result = runtime.invoke(function, qualifier, event, headers.get("X-Amzn-Trace-Id"))
        if not result.ok:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-log-result"] = result.log_tail
        response_headers["x-amz-executed-version"] = result.executed_version
        response_headers[INVOKE_REQUEST_ID_HEADER] = result.request_id
        return result.payload


def _parse_event(raw: bytes) -> Any:
    import json

    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        from localcloud.lambda_runtime.errors import LambdaServiceError

        raise LambdaServiceError(
            "InvalidRequestContentException", "Could not parse request body into json", 400
        ) from None


def _invoke_in_background(
    runtime: LambdaRuntime, function: Any, qualifier: str | None, event: Any
) -> None:
    try:
        runtime.invoke(function, qualifier, event)
    except Exception:  # an Event invoke has no caller to answer: Lambda logs and moves on
        log.exception("asynchronous invoke of %s failed", function.function_name)
