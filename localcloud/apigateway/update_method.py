"""UpdateMethod's patch operations (moto 5.2.5 does not implement UpdateMethod).

A method is changed with JSON-Patch-like operations on its fields
(https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateMethod.html, "Patch Operations").
Which operation each path takes, and the BadRequestException messages, are the ones API Gateway
answers: scalars are only replaced; a request parameter (`/requestParameters/<name>`, value
"true" when required) or a request model (`/requestModels/<content type>`, its "/" written "~1")
is added, replaced or removed; an authorization scope is added or removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The fields of a Method that UpdateMethod changes, as GetMethod names them.
FIELDS = (
    "authorizationType",
    "authorizerId",
    "authorizationScopes",
    "apiKeyRequired",
    "operationName",
    "requestParameters",
    "requestModels",
    "requestValidatorId",
)
# Each patchable path (a map's entries share their map's path) and the operations it takes.
OPERATIONS = {
    "/authorizationType": ("replace",),
    "/authorizerId": ("replace",),
    "/apiKeyRequired": ("replace",),
    "/operationName": ("replace",),
    "/requestValidatorId": ("replace",),
    "/authorizationScopes": ("add", "remove"),
    "/requestParameters": ("add", "remove", "replace"),
    "/requestModels": ("add", "remove", "replace"),
}
MAPS = ("/requestParameters", "/requestModels")
AUTHORIZED_TYPES = ("CUSTOM", "COGNITO_USER_POOLS")
# Every REST API has these models on AWS; the local cloud does not create them (moto does not).
BUILT_IN_MODELS = ("Empty", "Error")


class PatchError(ValueError):
    """A patch operation UpdateMethod refuses (API Gateway's BadRequestException)."""


def patched_method(
    fields: Mapping[str, Any],
    operations: Iterable[Mapping[str, Any]],
    api: Mapping[str, Iterable[str]],
) -> dict[str, Any]:
    """The method's `fields` (see FIELDS) with the operations applied in order.

    `api` names what a method may refer to: its REST API's `validators` (ids), `models`
    (names) and `authorizers` (ids). Raises PatchError for an operation API Gateway refuses;
    nothing is applied then.
    """
    method = {name: fields.get(name) for name in FIELDS}
    validators, models = set(api.get("validators", ())), set(api.get("models", ()))
    authorizer_patched = False
    for operation in operations:
        op, path, value = operation.get("op"), operation.get("path"), operation.get("value")
        target, key = _target(path)
        if op not in OPERATIONS[target]:
            allowed = ", ".join(OPERATIONS[target])
            raise PatchError(f"Invalid patch operation specified. Must be one of: [{allowed}]")
        if target in MAPS:
            entries = dict(method[target[1:]] or {})
            if op == "remove":
                entries.pop(key, None)
            elif target == "/requestParameters":
                entries[key] = _boolean(value)  # true: the parameter is required
            else:
                if value not in models and value not in BUILT_IN_MODELS:
                    raise PatchError(f"Invalid model identifier specified: {value}")
                entries[key] = value
            method[target[1:]] = entries or None  # AWS drops an emptied map from the method
        elif target == "/authorizationScopes":
            scopes = [scope for scope in method["authorizationScopes"] or [] if scope != value]
            if op == "add":
                scopes.append(value)
            method["authorizationScopes"] = scopes or None
        elif target == "/apiKeyRequired":
            method["apiKeyRequired"] = _boolean(value)
        elif target == "/requestValidatorId":
            if value and value not in validators:
                raise PatchError("Invalid Request Validator identifier specified")
            method["requestValidatorId"] = value or None  # an empty value turns validation off
        else:
            method[target[1:]] = value
            authorizer_patched |= target in ("/authorizationType", "/authorizerId")
    if authorizer_patched:
        _check_authorizer(method, fields, set(api.get("authorizers", ())))
    return method


def _target(path: Any) -> tuple[str, str | None]:
    """(the patchable path, the map key or None) that `path` names; PatchError if none."""
    parts = path.split("/") if isinstance(path, str) else []
    if len(parts) == 2 and parts[0] == "" and f"/{parts[1]}" in OPERATIONS:
        target = f"/{parts[1]}"
        if target not in MAPS:
            return target, None
    elif len(parts) == 3 and parts[0] == "" and f"/{parts[1]}" in MAPS and parts[2]:
        # A JSON Pointer escapes "/" in a key as "~1" and "~" as "~0" (application~1json).
        return f"/{parts[1]}", parts[2].replace("~1", "/").replace("~0", "~")
    raise PatchError(f"Invalid patch path {path}")


def _boolean(value: Any) -> bool:
    # API Gateway reads any value but "true" as false (it does not refuse "yes").
    return str(value).lower() == "true"


def _check_authorizer(
    method: dict[str, Any], before: Mapping[str, Any], authorizers: set[str]
) -> None:
    if method["authorizationType"] in AUTHORIZED_TYPES:
        if method["authorizerId"] not in authorizers:
            raise PatchError(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                "COGNITO_USER_POOLS requires a valid authorizer."
            )
    else:
        # A method without an authorizer-backed type keeps no authorizer: AWS ignores the patch.
        method["authorizerId"] = before.get("authorizerId")
