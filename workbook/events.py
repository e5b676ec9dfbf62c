"""Events in and out of the functions: what API Gateway sends a function (to invoke it before
any API exists), and the lines Powertools Logger writes to its log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
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


def logger_lines(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The lines Powertools Logger wrote among log `events` (as FilterLogEvents answers them),
    each parsed into a dict, in order. Logger writes a JSON object with a `level`; the lines
    Lambda writes (START, END, REPORT), the runtime's `[ERROR]` lines and Powertools Metrics'
    JSON (which has no `level`) are left out."""
    lines = []
    for event in events:
        with suppress(ValueError):  # not JSON: a line Lambda or the runtime wrote
            line = json.loads(event["message"])
            if isinstance(line, dict) and "level" in line:
                lines.append(line)
    return lines
