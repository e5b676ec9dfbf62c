"""The answers AWS gives a refused request, in each protocol's own shape.

- Message: "User: ARN is not authorized to perform: ACTION on resource: ARN because no
  identity-based policy allows the ACTION action" (or "with an explicit deny in an
  identity-based policy"): https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
- JSON protocols (DynamoDB, Step Functions, CloudWatch Logs, CloudWatch as boto3 calls it):
  AccessDeniedException, HTTP 400
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html).
- Lambda (REST-JSON): AccessDeniedException, HTTP 403
  (https://docs.aws.amazon.com/lambda/latest/dg/security_iam_troubleshoot.html).
- Query protocol: SNS answers AuthorizationError, HTTP 403
  (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors and
  https://repost.aws/knowledge-center/sns-topics-iam-errors-subscriber); IAM and STS answer
  AccessDenied, HTTP 403.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape

from localcloud.iam.policy import Decision

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]

_QUERY_CODE = {"sns": "AuthorizationError"}


def denial_message(caller_arn: str, action: str, resource: str, decision: Decision) -> str:
    why = (
        "with an explicit deny in an identity-based policy"
        if decision is Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    return (
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource} {why}"
    )


def access_denied(service: str, protocol: str, message: str) -> WsgiApp:
    """A WSGI app answering the refusal as `service` does over `protocol`."""
    request_id = str(uuid.uuid4())
    if protocol == "query":
        code = _QUERY_CODE.get(service, "AccessDenied")
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return _answer(403, "text/xml", body, request_id, code)
    if protocol == "rest":
        body = json.dumps({"Type": "User", "Message": message}).encode()
        return _answer(403, "application/json", body, request_id, "AccessDeniedException")
    body = json.dumps(
        {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message}
    ).encode()
    return _answer(400, "application/x-amz-json-1.0", body, request_id, "AccessDeniedException")


def service_error(status: int, code: str, message: str, protocol: str) -> WsgiApp:
    """Another error a service answers itself (a configuration it refuses), JSON or REST-JSON."""
    request_id = str(uuid.uuid4())
    if protocol == "rest":
        body = json.dumps({"Type": "User", "message": message}).encode()
        return _answer(status, "application/json", body, request_id, code)
    body = json.dumps({"__type": code, "message": message}).encode()
    return _answer(status, "application/x-amz-json-1.0", body, request_id, code)


def _answer(status: int, content_type: str, body: bytes, request_id: str, code: str) -> WsgiApp:
    reason = {400: "Bad Request", 403: "Forbidden"}.get(status, "Error")

    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", code),
    ]

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        start_response(f"{status} {reason}", headers)
        return [body]

    return app
