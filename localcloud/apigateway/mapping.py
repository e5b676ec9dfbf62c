"""Non-proxy integrations (AWS, MOCK): request templates in, integration responses out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from localcloud.apigateway import errors
from localcloud.apigateway.proxy import HttpResponse
from localcloud.apigateway.templates import Scope, json_path, render


@dataclass
class IntegrationResult:
    """What the backend answered, before integration responses map it."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


class MappingError(Exception):
    """A configuration error AWS reports only in execution logs; the client sees a 500."""


def integration_request(integration: dict[str, Any], content_type: str, scope: Scope) -> str:
    """The body sent to the backend: the matching request template rendered, or passed through."""
    templates = integration.get("requestTemplates") or {}
    if content_type in templates:
        return render(templates[content_type] or "", scope)
    behavior = integration.get("passthroughBehavior") or "WHEN_NO_MATCH"
    if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates):
        raise errors.unsupported_media_type()
    return scope.body


def integration_response(
    integration: dict[str, Any],
    method: dict[str, Any],
    result: IntegrationResult,
    scope: Scope,
) -> HttpResponse:
    """Select the integration response by status code and map headers and body through it."""
    chosen = _select(integration.get("integrationResponses") or {}, str(result.status))
    if chosen is None:
        raise MappingError(
            "No match for output mapping and no default output mapping configured. "
            f"Endpoint Response Status Code: {result.status}"
        )
    status = str(chosen["statusCode"])
    if status not in (method.get("methodResponses") or {}):
        raise MappingError(f"Output mapping refers to an invalid method response: {status}")
    headers = []
    for target, source in (chosen.get("responseParameters") or {}).items():
        prefix = "method.response.header."
        if target.startswith(prefix):
            headers.append((target[len(prefix) :], _parameter(source, result)))
    templates = chosen.get("responseTemplates") or {}
    content_type = (
        "application/json" if "application/json" in templates else next(iter(templates), None)
    )
    out_scope = Scope(result.body, scope.params, scope.context, scope.stage_variables)
    if content_type is not None and templates.get(content_type):
        body = render(templates[content_type], out_scope)
    else:
        body = result.body
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", content_type or "application/json"))
    return HttpResponse(int(status), headers, body.encode())


def _select(responses: dict[str, Any], status: str) -> dict[str, Any] | None:
    default = None
    for response in responses.values():
        pattern = response.get("selectionPattern")
        if not pattern:
            default = default or response
        elif re.fullmatch(pattern, status, flags=re.DOTALL):
            return response
    return default


def _parameter(source: str, result: IntegrationResult) -> str:
    """A response parameter's value: a 'literal', a backend header, or the (JSONPath of) body."""
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith("integration.response.header."):
        wanted = source[len("integration.response.header.") :].lower()
        return next((v for k, v in result.headers.items() if k.lower() == wanted), "")
    if source == "integration.response.body":
        return result.body
    if source.startswith("integration.response.body."):
        try:
            value = json_path(
                json.loads(result.body), "$" + source[len("integration.response.body") :]
            )
        except ValueError:
            return ""
        return value if isinstance(value, str) else json.dumps(value)
    raise MappingError(f"unsupported response parameter source {source!r}")
