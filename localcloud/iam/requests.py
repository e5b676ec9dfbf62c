"""What a signed request asks to do: its caller's key, and the IAM actions and resources.

The operation comes from the request as botocore's service models describe it (JSON
protocols' `X-Amz-Target`, the query protocol's `Action`, or for REST protocols the HTTP
method and path matched against each operation's `requestUri`), so no operation list is
kept here. Resources follow the Service Authorization Reference's ARN formats
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")
# Where a service's signing name is not its name in botocore, or not its IAM prefix.
_SERVICE_OF_SIGNING_NAME = {"states": "stepfunctions", "monitoring": "cloudwatch"}
_IAM_PREFIX_OF_SIGNING_NAME = {"monitoring": "cloudwatch"}
# Operations whose IAM action has another name than the operation.
_ACTION_OF_OPERATION = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
}


@dataclass(frozen=True)
class Signature:
    access_key_id: str
    region: str
    signing_name: str  # the credential scope's service (e.g. "dynamodb", "states")


def signature(environ: dict) -> Signature | None:
    """The SigV4 credential scope of a request (None for an unsigned one)."""
    return credential_scope(environ.get("HTTP_AUTHORIZATION", ""))


def credential_scope(authorization: str) -> Signature | None:
    """The SigV4 credential scope of an `Authorization` header (None if it has none)."""
    match = _CREDENTIAL.search(authorization)
    return Signature(*match.groups()) if match else None


@dataclass(frozen=True)
class Permission:
    action: str  # e.g. "dynamodb:PutItem"
    resource: str  # an ARN, or "*"


@dataclass(frozen=True)
class ServiceRequest:
    service: str  # botocore's name for it, e.g. "stepfunctions"
    protocol: str  # "json", "query" or "rest"
    operation: str
    params: dict[str, Any]
    permissions: tuple[Permission, ...]  # every one must be allowed


def read_body(environ: dict) -> bytes:
    """The request body, leaving it in place for whoever handles the request next."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def service_request(
    environ: dict, signed: Signature, account_id: str, caller_arn: str
) -> ServiceRequest | None:
    """What the request asks for, or None if the local cloud cannot tell, and then does not
    evaluate it: a service whose resources it does not resolve (its IAM actions can differ
    from its operations too, as S3's ListObjectsV2 is s3:ListBucket, so guessing would deny
    what AWS allows), or a request the service itself will refuse as malformed."""
    prefix = _IAM_PREFIX_OF_SIGNING_NAME.get(signed.signing_name, signed.signing_name)
    resolve = _RESOLVERS.get(prefix)
    if resolve is None:
        return None
    service = _SERVICE_OF_SIGNING_NAME.get(signed.signing_name, signed.signing_name)
    parsed = _operation_and_params(environ, read_body(environ), service)
    if parsed is None:
        return None
    protocol, operation, params = parsed
    action = f"{prefix}:{_ACTION_OF_OPERATION.get((prefix, operation), operation)}"
    context = _Context(signed.region, account_id, caller_arn, environ)
    permissions = tuple(resolve(action, operation, params, context))
    return ServiceRequest(service, protocol, operation, params, permissions)


def _operation_and_params(
    environ: dict, body: bytes, service: str
) -> tuple[str, str, dict[str, Any]] | None:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return "json", target.rsplit(".", 1)[-1], _json(body)
    path = environ.get("PATH_INFO", "")
    query = _flat(parse_qs(environ.get("QUERY_STRING", "")))
    if "form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        query.update(_flat(parse_qs(body.decode("utf-8", "replace"))))
    if "Action" in query:
        return "query", query["Action"], query
    matched = _rest_operation(service, environ.get("REQUEST_METHOD", "GET"), path, query)
    if matched is None:
        return None
    route, labels = matched
    members = _json(body) if route.body_is_params else {}
    return "rest", route.operation, {**query, **members, **labels}


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _flat(values: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in values.items()}


@dataclass(frozen=True)
class _Route:
    method: str
    path: re.Pattern
    required_query: tuple[str, ...]
    specificity: int
    operation: str
    body_is_params: bool  # False when the body is a payload (Invoke's event), not members


@cache
def _routes(service: str) -> tuple[_Route, ...]:
    """A REST service's operations as (method, path pattern) routes, from botocore's model."""
    session = botocore.session.get_session()
    if service not in session.get_available_services():
        return ()
    model = session.get_service_model(service)
    if model.protocol not in ("rest-json", "rest-xml"):
        return ()
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        http = operation.http
        input_shape = operation.input_shape
        body_is_params = input_shape is None or "payload" not in input_shape.serialization
        uri, _, query = http["requestUri"].partition("?")
        pattern = re.sub(
            r"\\\{(\w+)(\\\+)?\\\}",
            lambda m: f"(?P<{m.group(1)}>.+)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)",
            re.escape(uri.rstrip("/") or "/"),
        )
        required = tuple(p.split("=")[0] for p in query.split("&") if p)
        literal = len(re.sub(r"\{[^}]*\}", "", uri))
        routes.append(
            _Route(
                http["method"], re.compile(pattern + "/?"), required, literal, name, body_is_params
            )
        )
    return tuple(sorted(routes, key=lambda r: (-r.specificity, -len(r.required_query))))


def rest_operation(service: str, method: str, path: str, query_string: str) -> str | None:
    """The operation a REST request (method, path, query string) calls, as botocore's model
    of `service` routes it; None if no operation matches."""
    matched = _rest_operation(service, method, path, _flat(parse_qs(query_string)))
    return matched[0].operation if matched else None


def _rest_operation(
    service: str, method: str, path: str, query: dict[str, str]
) -> tuple[_Route, dict[str, str]] | None:
    for route in _routes(service):
        if route.method != method or not all(q in query for q in route.required_query):
            continue
        match = route.path.fullmatch(path)
        if match:
            return route, {k: unquote(v) for k, v in match.groupdict().items()}
    return None


@dataclass(frozen=True)
class _Context:
    region: str
    account_id: str
    caller_arn: str
    environ: dict


Resolver = Callable[[str, str, dict[str, Any], _Context], list[Permission]]


def _dynamodb(action: str, operation: str, params: dict[str, Any], c: _Context) -> list[Permission]:
    def table_arn(name: str) -> str:
        return (
            name
            if name.startswith("arn:")
            else (f"arn:aws:dynamodb:{c.region}:{c.account_id}:table/{name}")
        )

    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [Permission(action, table_arn(t)) for t in params.get("RequestItems") or {}]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        # Each item needs the permission of the single-item action it performs.
        kinds = {
            "Put": "PutItem",
            "Update": "UpdateItem",
            "Delete": "DeleteItem",
            "ConditionCheck": "ConditionCheckItem",
            "Get": "GetItem",
        }
        permissions = []
        for item in params.get("TransactItems") or []:
            for kind, request in item.items():
                name = (request or {}).get("TableName", "")
                permissions.append(Permission(f"dynamodb:{kinds.get(kind, kind)}", table_arn(name)))
        return permissions
    name = params.get("TableName") or params.get("ResourceArn")
    if not name:
        return [Permission(action, "*")]
    resource = table_arn(name)
    if params.get("IndexName"):
        resource += f"/index/{params['IndexName']}"
    return [Permission(action, resource)]


def _sns(action: str, operation: str, params: dict[str, Any], c: _Context) -> list[Permission]:
    if operation == "CreateTopic" and params.get("Name"):
        return [Permission(action, f"arn:aws:sns:{c.region}:{c.account_id}:{params['Name']}")]
    for key in ("TopicArn", "TargetArn", "ResourceArn"):
        if params.get(key):
            return [Permission(action, params[key])]
    if params.get("SubscriptionArn"):  # a subscription's permissions are its topic's
        return [Permission(action, params["SubscriptionArn"].rsplit(":", 1)[0])]
    return [Permission(action, "*")]


def _states(action: str, operation: str, params: dict[str, Any], c: _Context) -> list[Permission]:
    if operation == "CreateStateMachine" and params.get("name"):
        arn = f"arn:aws:states:{c.region}:{c.account_id}:stateMachine:{params['name']}"
        return [Permission(action, arn)]
    for key in ("executionArn", "stateMachineArn", "resourceArn"):
        if params.get(key):
            return [Permission(action, params[key])]
    return [Permission(action, "*")]


def _lambda(action: str, operation: str, params: dict[str, Any], c: _Context) -> list[Permission]:
    name = params.get("FunctionName")
    if not name:
        return [Permission(action, "*")]
    resource = lambda_function_arn(name, params.get("Qualifier"), c.region, c.account_id)
    return [Permission(action, resource)]


def lambda_function_arn(name: str, qualifier: str | None, region: str, account_id: str) -> str:
    """The ARN a Lambda call on `name` is authorized against: a function name, a partial ARN
    (123456789012:function:name) or an ARN, each maybe with a qualifier (which wins over
    `qualifier`, as Lambda reads them), qualified when either names one."""
    parts = name.split(":")
    if name.startswith("arn:"):
        parts = parts[6:]
    elif len(parts) >= 3 and parts[1] == "function":
        parts = parts[2:]
    function, qualifier = parts[0], (parts[1] if len(parts) > 1 else qualifier)
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{function}"
    return f"{arn}:{qualifier}" if qualifier else arn


def _logs(action: str, operation: str, params: dict[str, Any], c: _Context) -> list[Permission]:
    group = params.get("logGroupName") or params.get("logGroupIdentifier")
    if not group:
        return [Permission(action, f"arn:aws:logs:{c.region}:{c.account_id}:log-group:*")]
    if group.startswith("arn:"):
        group = group.split(":log-group:", 1)[1].removesuffix(":*")
    arn = f"arn:aws:logs:{c.region}:{c.account_id}:log-group:{group}"
    stream = params.get("logStreamName")
    return [Permission(action, f"{arn}:log-stream:{stream}" if stream else f"{arn}:*")]


def _cloudwatch(
    action: str, operation: str, params: dict[str, Any], c: _Context
) -> list[Permission]:
    return [Permission(action, "*")]


def _iam(action: str, operation: str, params: dict[str, Any], c: _Context) -> list[Permission]:
    from localcloud import seams

    for key, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group")):
        if params.get(key):
            return [Permission(action, seams.iam_entity_arn(c.account_id, kind, params[key]))]
    if params.get("PolicyArn"):
        return [Permission(action, params["PolicyArn"])]
    if operation == "CreatePolicy" and params.get("PolicyName"):
        path = params.get("Path") or "/"
        arn = f"arn:aws:iam::{c.account_id}:policy{path}{params['PolicyName']}"
        return [Permission(action, arn)]
    # Calls on oneself (CreateAccessKey with no UserName) act on the calling user.
    return [Permission(action, c.caller_arn if ":user/" in c.caller_arn else "*")]


def _sts(action: str, operation: str, params: dict[str, Any], c: _Context) -> list[Permission]:
    if operation == "GetCallerIdentity":
        return []  # needs no permission: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    return [Permission(action, params.get("RoleArn") or "*")]


def _apigateway(
    action: str, operation: str, params: dict[str, Any], c: _Context
) -> list[Permission]:
    # API Gateway's management actions are HTTP methods on the path as a resource.
    method, path = c.environ.get("REQUEST_METHOD", "GET"), c.environ.get("PATH_INFO", "/")
    return [Permission(f"apigateway:{method}", f"arn:aws:apigateway:{c.region}::{path}")]


_RESOLVERS: dict[str, Resolver] = {
    "dynamodb": _dynamodb,
    "sns": _sns,
    "states": _states,
    "lambda": _lambda,
    "logs": _logs,
    "cloudwatch": _cloudwatch,
    "iam": _iam,
    "sts": _sts,
    "apigateway": _apigateway,
}
