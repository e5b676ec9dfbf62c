"""A workflow's Lambda tasks call Invoke in this process, answered as the Lambda API answers.

moto's Step Functions interpreter runs a Lambda task (`arn:aws:states:::lambda:invoke`, or a
function ARN as the Resource) with `client.invoke(**parameters)`. With a boto3 client, even
one whose requests reach the server's app in process, botocore (serializing, signing,
parsing) and the app's dispatch (IAM guard, Flask, moto's response class) cost the server
three times what the Lambda runtime does. `TaskLambdaClient` does what that request did, in
the same order, without them:

1. the IAM guard's check of the state machine's role session: `lambda:InvokeFunction` on the
   function's ARN, qualified when the call names a version or alias (AccessDeniedException);
2. the Lambda backend's invoke, as moto's `LambdaResponse.invoke` calls it: the function found
   by name or ARN and qualifier, the payload's size and JSON checked, the local runtime run
   with the task's trace header (it writes the logs, the REPORT line and the metrics);
3. the answer as `LambdaResponse.invoke` shapes it and botocore reads it: StatusCode (202 for
   Event, 204 for DryRun), FunctionError, LogResult (for LogType Tail only), ExecutedVersion,
   the Payload as a stream, and the invocation's request id.

Errors are raised as botocore's ClientError with the code, message and HTTP status of the
Lambda API's answer, so the interpreter names them `Lambda.<code>` for Retry and Catch.
"""

from __future__ import annotations

import io
import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from botocore.response import StreamingBody

from localcloud import iam, seams
from localcloud.iam.requests import Permission, lambda_function_arn
from localcloud.lambda_runtime.backend import INVOKE_REQUEST_ID_HEADER

# A synchronous invoke's answer is limited to 6 MB; a larger one is a function error
# (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). moto's response
# class measures the payload with sys.getsizeof, so the same answers are cut here.
RESPONSE_SIZE_LIMIT = 6_000_000
RESPONSE_TOO_LARGE = {
    "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    "errorType": "Function.ResponseSizeTooLarge",
}


class TaskLambdaClient:
    """The Lambda client of the tasks a state machine's role runs in one region."""

    def __init__(
        self,
        region: str,
        role_arn: str | None,
        *,
        guard: iam.Guard,
        trace_header: Callable[[], str | None],
    ) -> None:
        self.region = region
        self.guard = guard
        self.trace_header = trace_header
        self.access_key_id, self.account_id = iam.task_caller(role_arn)

    def invoke(self, **parameters: Any) -> dict[str, Any]:
        """Lambda's Invoke, with botocore's parameters and answer."""
        name, qualifier = parameters["FunctionName"], parameters.get("Qualifier")
        invocation_type = parameters.get("InvocationType", "RequestResponse")
        if self.access_key_id is not None:
            resource = lambda_function_arn(name, qualifier, self.region, self.account_id)
            refused = self.guard.denial(
                self.access_key_id, Permission("lambda:InvokeFunction", resource)
            )
            if refused is not None:
                body = {"Type": "User", "Message": refused}
                raise _client_error(403, "AccessDeniedException", refused, body)
            seams.note_key_used(self.account_id, self.access_key_id, "lambda", self.region)
        headers = {"X-Amz-Invocation-Type": invocation_type}
        if trace := self.trace_header():
            headers["X-Amzn-Trace-Id"] = trace
        answer_headers: dict[str, str] = {}
        try:
            payload = seams.invoke_function(
                self.account_id,
                self.region,
                name,
                qualifier,
                _bytes(parameters.get("Payload")),
                headers,
                answer_headers,
            )
        except seams.LambdaApiError as error:
            raise _client_error(error.status, error.code, error.message, error.body) from error
        return _answer(payload or b"", invocation_type, parameters.get("LogType"), answer_headers)


def _answer(
    payload: bytes, invocation_type: str, log_type: str | None, headers: dict[str, str]
) -> dict[str, Any]:
    request_id = headers.pop(INVOKE_REQUEST_ID_HEADER, None) or str(uuid.uuid4())
    status = {"Event": 202, "DryRun": 204}.get(invocation_type, 200)
    if invocation_type != "Event" and sys.getsizeof(payload) > RESPONSE_SIZE_LIMIT:
        headers["x-amz-function-error"] = "Unhandled"
        payload = json.dumps(RESPONSE_TOO_LARGE).encode()
    if status != 200 or log_type != "Tail":
        headers.pop("x-amz-log-result", None)
    headers["content-type"] = "application/json"
    answer: dict[str, Any] = {
        "ResponseMetadata": _metadata(status, request_id, headers),
        "StatusCode": status,
    }
    for member, header in (
        ("FunctionError", "x-amz-function-error"),
        ("LogResult", "x-amz-log-result"),
        ("ExecutedVersion", "x-amz-executed-version"),
    ):
        if header in headers:
            answer[member] = headers[header]
    answer["Payload"] = StreamingBody(io.BytesIO(payload), len(payload))
    return answer


def _client_error(status: int, code: str, message: str, body: dict[str, Any]) -> ClientError:
    """The error botocore raises for the Lambda API's error answer."""
    headers = {"content-type": "application/json", "x-amzn-errortype": code}
    response = {
        **{key: value for key, value in body.items() if key != "__type"},
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": _metadata(status, str(uuid.uuid4()), headers),
    }
    return ClientError(response, "Invoke")


def _metadata(status: int, request_id: str, headers: dict[str, str]) -> dict[str, Any]:
    http_headers = {name.lower(): value for name, value in headers.items()}
    http_headers["x-amzn-requestid"] = request_id
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": http_headers,
        "RetryAttempts": 0,
    }


def _bytes(payload: bytes | str | None) -> bytes:
    """The request body botocore would send for Invoke's Payload."""
    if payload is None:
        return b""
    return payload.encode() if isinstance(payload, str) else payload
