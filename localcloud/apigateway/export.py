"""GetExport as OpenAPI 3.0 (`exportType` oas30) from what a stage has deployed.

moto's GetExport answers Swagger 2.0 whatever type is asked, from the API's current (not
deployed) configuration and without request models. Test generators and the workbook need an
OpenAPI 3 document of the deployed stage, shaped as AWS exports it:

- `info.title` the API's name, `info.version` the deployment's creation time;
- `servers[0]`: the stage's invoke URL with a `basePath` variable whose default is `/<stage>`
  (AWS: `https://<id>.execute-api.<region>.amazonaws.com/{basePath}`; here the local form
  `http://<host>/restapis/<id>{basePath}/_user_request_`, so substituting the default gives
  the invoke URL);
- per method: path, query and header `parameters`, a `requestBody` referencing the request
  model, `responses` from the method responses, `security` for API keys;
- `components.schemas` from the models (`$schema` dropped, model URLs in `$ref` rewritten),
  `components.securitySchemes.api_key`;
- with `extensions=integrations` or `apigateway`: `x-amazon-apigateway-integration`,
  `x-amazon-apigateway-request-validator(s)` and `x-amazon-apigateway-binary-media-types`.

`swagger` exports stay with moto: the server routes only `.../exports/oas30` here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

import yaml

from localcloud import seams
from localcloud.apigateway.deployments import Deployments

EXPORT_PATH = re.compile(r"^/restapis/([^/]+)/stages/([^/]+)/exports/oas30/?$")
MODEL_REF = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/#]+)$")
# What `parameters={"extensions": ...}` turns on the integration extensions (AWS's values).
INTEGRATION_EXTENSIONS = {"integrations", "apigateway"}
_PARAMETER_LOCATIONS = {
    "path": ("path", False),
    "querystring": ("query", False),
    "multivaluequerystring": ("query", True),
    "header": ("header", False),
    "multivalueheader": ("header", True),
}
# OpenAPI 3 path items name these methods in lower case; ANY has AWS's own key.
_OPERATION_KEYS = {
    "GET": "get",
    "PUT": "put",
    "POST": "post",
    "DELETE": "delete",
    "OPTIONS": "options",
    "HEAD": "head",
    "PATCH": "patch",
    "ANY": "x-amazon-apigateway-any-method",
}
API_KEY_SCHEME = {"type": "apiKey", "name": "x-api-key", "in": "header"}


def is_oas30_export_path(path: str) -> bool:
    """True for `/restapis/<api>/stages/<stage>/exports/oas30` (GetExport, OpenAPI 3)."""
    return EXPORT_PATH.match(path) is not None


class NotFound(Exception):
    """GetExport's NotFoundException (404), for an unknown API or a stage not deployed."""


class ExportApp:
    """The WSGI app answering GetExport for oas30 from the deployments' snapshots."""

    def __init__(self, deployments: Deployments) -> None:
        # The invoke URLs' snapshots: the export shows exactly what the stage serves.
        self.deployments = deployments

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        match = EXPORT_PATH.match(environ.get("PATH_INFO", ""))
        assert match is not None, "the server routes only export paths here"
        api_id, stage_name = match.groups()
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        wants_yaml = "yaml" in environ.get("HTTP_ACCEPT", "")
        try:
            document = self.export(
                api_id,
                stage_name,
                f"http://{environ.get('HTTP_HOST', 'localhost')}",
                query.get("extensions", "") in INTEGRATION_EXTENSIONS,
            )
        except NotFound as error:
            body = json.dumps({"__type": "NotFoundException", "message": str(error)}).encode()
            start_response(
                "404 Not Found",
                [
                    ("Content-Type", "application/json"),
                    ("x-amzn-ErrorType", "NotFoundException"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        if wants_yaml:
            body, content_type, suffix = (
                yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode(),
                "application/yaml",
                "yaml",
            )
        else:
            body, content_type, suffix = json.dumps(document).encode(), "application/json", "json"
        filename = f"{document['info']['title']}-{stage_name}-oas30.{suffix}"
        start_response(
            "200 OK",
            [
                ("Content-Type", content_type),
                ("Content-Disposition", f'attachment; filename="{filename}"'),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]

    def export(
        self, api_id: str, stage_name: str, host_url: str, extensions: bool
    ) -> dict[str, Any]:
        located = seams.find_rest_api(api_id)
        if located is None:
            raise NotFound("Invalid API identifier specified")
        account_id, region = located
        stage = seams.rest_api_stage(account_id, region, api_id, stage_name)
        if not stage or not stage.get("deploymentId"):
            raise NotFound("Invalid stage identifier specified")
        deployment_id = stage["deploymentId"]
        config = self.deployments.get(account_id, region, api_id, deployment_id).config
        deployment = seams.rest_api_deployment(account_id, region, api_id, deployment_id) or {}
        created = dt.datetime.fromtimestamp(deployment.get("createdDate", 0), dt.UTC)
        server_url = f"{host_url}/restapis/{api_id}{{basePath}}/_user_request_"
        return openapi_document(config, stage_name, created, server_url, extensions)


def openapi_document(
    config: dict[str, Any],
    stage_name: str,
    created: dt.datetime,
    server_url: str,
    extensions: bool,
) -> dict[str, Any]:
    """The OpenAPI 3.0.1 document of a deployed API (`config`: seams.rest_api_config's shape)."""
    validators = config["requestValidators"]
    info: dict[str, Any] = {"title": config["name"]}
    if config.get("description"):
        info["description"] = config["description"]
    info["version"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    document: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": info,
        "servers": [{"url": server_url, "variables": {"basePath": {"default": f"/{stage_name}"}}}],
        "paths": {},
    }
    uses_api_keys = False
    for resource in sorted(config["resources"], key=lambda r: r["path"]):
        methods = resource.get("resourceMethods") or {}
        if not methods:
            continue
        item = document["paths"].setdefault(resource["path"], {})
        for http_method, method in sorted(methods.items()):
            item[_OPERATION_KEYS[http_method]] = _operation(
                resource["path"], method, validators, extensions
            )
            uses_api_keys = uses_api_keys or bool(method.get("apiKeyRequired"))
    components: dict[str, Any] = {
        "schemas": {name: _schema(text) for name, text in sorted(config["models"].items())}
    }
    if uses_api_keys:
        components["securitySchemes"] = {"api_key": dict(API_KEY_SCHEME)}
    document["components"] = components
    if extensions:
        if validators:
            document["x-amazon-apigateway-request-validators"] = {
                v["name"]: {
                    "validateRequestParameters": bool(v.get("validateRequestParameters")),
                    "validateRequestBody": bool(v.get("validateRequestBody")),
                }
                for v in validators.values()
            }
        if config.get("binaryMediaTypes"):
            document["x-amazon-apigateway-binary-media-types"] = config["binaryMediaTypes"]
    return document


def _operation(
    path: str, method: dict[str, Any], validators: dict[str, Any], extensions: bool
) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    if method.get("operationName"):
        operation["operationId"] = method["operationName"]
    parameters = _parameters(path, method.get("requestParameters") or {})
    if parameters:
        operation["parameters"] = parameters
    models = method.get("requestModels") or {}
    if models:
        operation["requestBody"] = {
            "content": {
                content_type: {"schema": {"$ref": f"#/components/schemas/{name}"}}
                for content_type, name in models.items()
            },
            "required": True,
        }
    operation["responses"] = _responses(method.get("methodResponses") or {})
    if method.get("apiKeyRequired"):
        operation["security"] = [{"api_key": []}]
    if extensions:
        validator = validators.get(method.get("requestValidatorId") or "")
        if validator:
            operation["x-amazon-apigateway-request-validator"] = validator["name"]
        integration = method.get("methodIntegration")
        if integration:
            operation["x-amazon-apigateway-integration"] = _integration(integration)
    return operation


def _parameters(path: str, request_parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """Path parameters from the template (`{name}`, `{name+}`), then the declared ones."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for name in re.findall(r"\{([^}+]+)\+?\}", path):
        found[("path", name)] = _parameter(name, "path", True, False)
    for key, required in sorted(request_parameters.items()):
        parts = key.split(".", 3)  # method.request.<location>.<name>
        if len(parts) != 4 or parts[2] not in _PARAMETER_LOCATIONS:
            continue
        location, multi = _PARAMETER_LOCATIONS[parts[2]]
        if location == "path":
            continue  # declared by the template already, and always required
        found.setdefault((location, parts[3]), _parameter(parts[3], location, required, multi))
    return list(found.values())


def _parameter(name: str, location: str, required: bool, multi: bool) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": name, "in": location}
    if required:
        parameter["required"] = True
    string = {"type": "string"}
    parameter["schema"] = {"type": "array", "items": string} if multi else string
    return parameter


def _responses(method_responses: dict[str, Any]) -> dict[str, Any]:
    if not method_responses:
        # AWS leaves a method without method responses (usual with Lambda proxy) without
        # responses; OpenAPI 3.0 requires at least one, so validators and generators accept this.
        return {"default": {"description": "Default response"}}
    responses = {}
    for status, response in sorted(method_responses.items()):
        entry: dict[str, Any] = {"description": f"{status} response"}
        headers = {
            key.removeprefix("method.response.header."): {"schema": {"type": "string"}}
            for key in sorted(response.get("responseParameters") or {})
            if key.startswith("method.response.header.")
        }
        if headers:
            entry["headers"] = headers
        models = response.get("responseModels") or {}
        if models:
            entry["content"] = {
                content_type: {"schema": {"$ref": f"#/components/schemas/{name}"}}
                for content_type, name in models.items()
            }
        responses[status] = entry
    return responses


def _integration(integration: dict[str, Any]) -> dict[str, Any]:
    """x-amazon-apigateway-integration: AWS's lower-case enums, responses by selection pattern."""
    extension: dict[str, Any] = {"type": str(integration.get("type", "")).lower()}
    for field in ("httpMethod", "uri", "credentials", "requestParameters", "requestTemplates"):
        if integration.get(field):
            extension[field] = integration[field]
    responses = {}
    for status, response in (integration.get("integrationResponses") or {}).items():
        entry: dict[str, Any] = {"statusCode": status}
        for field in ("responseParameters", "responseTemplates", "contentHandling"):
            if response.get(field):
                entry[field] = response[field]
        responses[response.get("selectionPattern") or "default"] = entry
    if responses:
        extension["responses"] = responses
    if integration.get("passthroughBehavior"):
        extension["passthroughBehavior"] = integration["passthroughBehavior"].lower()
    for field in ("contentHandling", "timeoutInMillis", "connectionType", "cacheNamespace"):
        if integration.get(field):
            extension[field] = integration[field]
    if integration.get("cacheKeyParameters"):
        extension["cacheKeyParameters"] = integration["cacheKeyParameters"]
    return extension


def _schema(text: str | None) -> dict[str, Any]:
    """A model's draft-4 schema as an OpenAPI schema: no `$schema`, model URLs as local refs."""
    schema = json.loads(text) if text else {}
    if isinstance(schema, dict):
        schema.pop("$schema", None)
    return _rewrite_refs(schema)


def _rewrite_refs(value: Any) -> Any:
    if isinstance(value, dict):
        rewritten = {k: _rewrite_refs(v) for k, v in value.items()}
        ref = rewritten.get("$ref")
        if isinstance(ref, str):
            found = MODEL_REF.match(ref)
            if found:
                rewritten["$ref"] = f"#/components/schemas/{found.group(1)}"
        return rewritten
    if isinstance(value, list):
        return [_rewrite_refs(v) for v in value]
    return value
