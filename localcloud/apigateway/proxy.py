"""Lambda proxy integration: the version 1.0 event sent to the function, and its answer mapped
back to an HTTP response (API Gateway REST APIs always use format 1.0)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from localcloud.apigateway import errors
from localcloud.apigateway.request import GatewayRequest
from localcloud.apigateway.routing import Match


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def build_event(
    request: GatewayRequest,
    match: Match,
    *,
    account_id: str,
    stage_variables: dict[str, str],
    api_key: tuple[str, str] | None,
    binary_media_types: list[str],
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in request.query:
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    is_binary = bool(request.body) and _is_binary(request.content_type, binary_media_types)
    if not request.body:
        body = None
    elif is_binary:
        body = base64.b64encode(request.body).decode()
    else:
        body = request.body.decode("utf-8", errors="replace")
    resource = match.resource
    return {
        "resource": resource["path"],
        "path": request.path,
        "httpMethod": request.method,
        # AWS sends null, not {}, for each absent collection.
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": {
            "resourceId": resource["id"],
            "resourcePath": resource["path"],
            "httpMethod": request.method,
            "extendedRequestId": request.extended_id,
            "requestTime": request.request_time,
            "path": f"/{request.stage}{request.path}",
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": request.stage,
            "domainPrefix": request.host.split(".", 1)[0].split(":", 1)[0],
            "requestTimeEpoch": request.epoch_ms,
            "requestId": request.request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.header("User-Agent"),
                "user": None,
                "apiKey": api_key[1] if api_key else None,
                "apiKeyId": api_key[0] if api_key else None,
            },
            "domainName": request.host,
            "apiId": request.api_id,
        },
        "body": body,
        "isBase64Encoded": is_binary,
    }


def map_response(payload: bytes) -> HttpResponse:
    """The function's answer as HTTP; a malformed one is a 502, as on AWS."""
    try:
        answer = json.loads(payload)
    except ValueError:
        raise errors.bad_gateway() from None
    if not isinstance(answer, dict):
        raise errors.bad_gateway()
    status = answer.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise errors.bad_gateway()
    single = answer.get("headers") or {}
    multi = answer.get("multiValueHeaders") or {}
    body = answer.get("body")
    encoded = answer.get("isBase64Encoded", False)
    if (
        not isinstance(single, dict)
        or not isinstance(multi, dict)
        or not all(isinstance(v, list) for v in multi.values())
        or not (body is None or isinstance(body, str))
        or not isinstance(encoded, bool)
    ):
        raise errors.bad_gateway()
    # Both maps merge; a name in multiValueHeaders takes its values from there only.
    headers = [(k, _scalar(v)) for k, v in single.items() if k not in multi]
    headers += [(k, _scalar(v)) for k, values in multi.items() for v in values]
    if encoded and body:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise errors.bad_gateway() from None
    else:
        raw = (body or "").encode()
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, raw)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _is_binary(content_type: str, binary_media_types: list[str]) -> bool:
    major = content_type.split("/", 1)[0]
    for media in binary_media_types:
        media = media.lower()
        if media in (content_type, "*/*") or media == f"{major}/*":
            return True
    return False
