"""Test events: what API Gateway sends a function, for invoking it before any API exists."""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API (Lambda proxy integration) event for `method path`, with a JSON body.

    `resource` is the route's template (`/orders/{orderId}`) when it differs from the path.
    """
    headers = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method,
            "path": path,
            "stage": "test-invoke-stage",  # what the console's "Test" button sends
            "requestId": "test-invoke-request",
            "identity": {"sourceIp": "test-invoke-source-ip"},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def proxy_answer(payload: dict[str, Any]) -> dict[str, Any]:
    """The part of a function's answer worth reading: status and JSON body of a proxy
    response, or the whole answer of a plain (workflow) invocation."""
    if "statusCode" not in payload:
        return payload
    body = payload.get("body")
    with suppress(ValueError):  # not JSON: show it as it came
        body = json.loads(body) if body else body
    return {"statusCode": payload["statusCode"], "body": body}
