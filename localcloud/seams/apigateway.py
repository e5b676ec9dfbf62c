"""API Gateway: REST API configuration as plain data, and deployments as they happen.

moto keeps REST API configuration but serves no invoke URLs; `localcloud.apigateway` does.
These functions hand it that configuration as plain data, in API Gateway's own JSON shapes
(GetResources with embedded methods, GetStage, GetUsagePlans, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from localcloud.seams.patching import add, replace


def find_rest_api(api_id: str) -> tuple[str, str] | None:
    """(account, region) of the REST API with this id, or None: invoke URLs carry neither."""
    from moto.apigateway.models import apigateway_backends

    for account_id, regions in list(apigateway_backends.items()):
        for region, backend in list(regions.items()):
            if api_id in backend.apis:
                return account_id, region
    return None


def rest_api_config(account_id: str, region: str, api_id: str) -> dict[str, Any]:
    """What a deployment freezes: the resources with their methods, the models and validators."""
    from moto.apigateway.models import apigateway_backends

    api = apigateway_backends[account_id][region].apis[api_id]
    config = {
        "id": api.id,
        "name": api.name,
        "description": api.description,
        "apiKeySource": api.api_key_source,
        "binaryMediaTypes": list(api.binaryMediaTypes),
        "resources": [resource.to_dict() for resource in list(api.resources.values())],
        "models": {name: model.schema for name, model in list(api.models.items())},
        "requestValidators": {
            vid: validator.to_dict() for vid, validator in list(api.request_validators.items())
        },
    }
    # A JSON round trip detaches the copy from moto's live objects (later edits don't leak in).
    return json.loads(json.dumps(config, default=str))


def rest_api_stage(account_id: str, region: str, api_id: str, stage: str) -> dict[str, Any] | None:
    """The stage as GetStage shows it (deploymentId, variables, methodSettings, accessLog...)."""
    from moto.apigateway.models import apigateway_backends

    api = apigateway_backends[account_id][region].apis.get(api_id)
    found = api.stages.get(stage) if api else None
    return found.to_json() if found else None


def rest_api_deployment(
    account_id: str, region: str, api_id: str, deployment_id: str
) -> dict[str, Any] | None:
    """The deployment as GetDeployment shows it (id, description, createdDate in epoch s)."""
    from moto.apigateway.models import apigateway_backends

    api = apigateway_backends[account_id][region].apis.get(api_id)
    found = api.deployments.get(deployment_id) if api else None
    return found.to_json() if found else None


def api_key_by_value(account_id: str, region: str, value: str) -> dict[str, Any] | None:
    """The API key (GetApiKey shape: id, value, enabled, ...) whose value is `value`."""
    from moto.apigateway.models import apigateway_backends

    for key in list(apigateway_backends[account_id][region].keys.values()):
        if key.value == value:
            return key.to_json()
    return None


def usage_plans_of_key(account_id: str, region: str, key_id: str) -> list[dict[str, Any]]:
    """The usage plans (GetUsagePlans shape) an API key is attached to."""
    from moto.apigateway.models import apigateway_backends

    backend = apigateway_backends[account_id][region]
    return [
        plan.to_json()
        for plan_id, plan in list(backend.usage_plans.items())
        if key_id in backend.usage_plan_keys.get(plan_id, {})
    ]


def on_apigateway_deployment(callback: Callable[[str, str, str, str], None]) -> None:
    """Call `callback(account, region, api_id, deployment_id)` after every CreateDeployment.

    moto keeps no snapshot of what a deployment deployed, so the caller takes one then. Also,
    moto's CreateDeployment replaces an existing stage with a bare one (losing its access log
    and method settings); AWS only points the stage at the new deployment, so we put the
    stage back with the new deployment id and the request's variables merged in.
    """
    from moto.apigateway.models import APIGatewayBackend

    def create_deployment_of(create: Any) -> Any:
        def create_deployment(
            self: Any,
            function_id: str,
            name: str,
            description: str = "",
            stage_variables: Any = None,
        ) -> Any:
            api = self.get_rest_api(function_id)
            previous = api.stages.get(name) if name else None
            deployment = create(self, function_id, name, description, stage_variables)
            if previous is not None:
                previous.deployment_id = deployment.id
                previous.variables.update(stage_variables or {})
                api.stages[name] = previous
            callback(self.account_id, self.region_name, function_id, deployment.id)
            return deployment

        return create_deployment

    replace(APIGatewayBackend, "create_deployment", create_deployment_of)


def install_apigateway_refusals(
    resource_refusal: Callable[[str, list[str]], tuple[str, str] | None],
    method_refusal: Callable[[str, list[str]], tuple[str, str] | None],
    model_refusal: Callable[[str, list[str]], tuple[str, str] | None],
) -> None:
    """Refuse CreateResource, PutMethod and CreateModel as `resource_refusal(path part, sibling
    path parts)`, `method_refusal(method, the resource's methods)` and `model_refusal(name, the
    API's models)` say: (error type, message) or None.
    """
    from moto.apigateway import exceptions
    from moto.apigateway.models import APIGatewayBackend

    def refuse(refusal: tuple[str, str]) -> Exception:
        error_type, message = refusal
        return getattr(exceptions, error_type)(message)  # ConflictException, BadRequestException

    def create_resource_of(create: Any) -> Any:
        def create_resource(
            self: Any, function_id: str, parent_resource_id: str, path_part: str
        ) -> Any:
            siblings = [
                resource.path_part
                for resource in self.get_rest_api(function_id).resources.values()
                if resource.parent_id == parent_resource_id
            ]
            refusal = resource_refusal(path_part, siblings) if path_part else None
            if refusal is not None:
                raise refuse(refusal)
            return create(self, function_id, parent_resource_id, path_part)

        return create_resource

    def put_method_of(put: Any) -> Any:
        def put_method(
            self: Any, function_id: str, resource_id: str, method_type: str, *args: Any, **kw: Any
        ) -> Any:
            existing = list(self.get_resource(function_id, resource_id).resource_methods)
            refusal = method_refusal(method_type, existing)
            if refusal is not None:
                raise refuse(refusal)
            return put(self, function_id, resource_id, method_type, *args, **kw)

        return put_method

    def create_model_of(create: Any) -> Any:
        def create_model(self: Any, rest_api_id: str, name: str, *args: Any, **kw: Any) -> Any:
            if rest_api_id and name:  # moto's own checks answer a missing one
                refusal = model_refusal(name, list(self.get_rest_api(rest_api_id).models))
                if refusal is not None:
                    raise refuse(refusal)
            return create(self, rest_api_id, name, *args, **kw)

        return create_model

    replace(APIGatewayBackend, "create_resource", create_resource_of)
    replace(APIGatewayBackend, "create_model", create_model_of)
    replace(APIGatewayBackend, "put_method", put_method_of)


def install_update_model(patched: Callable[[dict[str, Any], list[Any]], dict[str, Any]]) -> None:
    """Implement UpdateModel (moto has none) with `patched(model fields, patch operations)`,
    which returns the new {"description", "schema"} or raises ValueError (BadRequestException).
    """
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.responses import APIGatewayResponse

    def update_model(self: Any) -> Any:
        # PATCH /restapis/{restapi_id}/models/{model_name}
        _, _, rest_api_id, _, model_name = self.path.split("/")[:5]
        model = self.backend.get_model(rest_api_id, model_name)  # moto's not-found errors
        fields = {"description": model.description, "schema": model.schema}
        try:
            fields = patched(fields, self._get_param("patchOperations") or [])
        except ValueError as error:
            raise BadRequestException(str(error)) from None
        model.description, model.schema = fields["description"], fields["schema"]
        return 200, {}, json.dumps(model.to_json())

    add(APIGatewayResponse, "update_model", update_model)


# A Method's fields as UpdateMethod names them, and moto's attribute for each.
_METHOD_ATTRIBUTES = {
    "authorizationType": "authorization_type",
    "authorizerId": "authorizer_id",
    "authorizationScopes": "authorization_scopes",
    "apiKeyRequired": "api_key_required",
    "operationName": "operation_name",
    "requestParameters": "request_parameters",
    "requestModels": "request_models",
    "requestValidatorId": "request_validator_id",
}


def install_update_method(
    patched: Callable[[dict[str, Any], list[Any], dict[str, list[str]]], dict[str, Any]],
) -> None:
    """Implement UpdateMethod (moto has none) with `patched(method fields, patch operations,
    {"validators", "models", "authorizers"} of the API)`, which returns the new fields (the keys
    of `_METHOD_ATTRIBUTES`) or raises ValueError (BadRequestException).

    The method is changed in moto's backend, where GetMethod reads it and the next
    CreateDeployment snapshots it; what a stage serves changes only then, as on AWS.
    """
    from moto.apigateway.exceptions import BadRequestException, NotFoundException
    from moto.apigateway.responses import APIGatewayResponse

    class ResourceNotFound(NotFoundException):
        code = 404  # moto's NotFoundException alone answers 400

    def update_method(self: Any) -> Any:
        # PATCH /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}
        _, _, rest_api_id, _, resource_id, _, http_method = self.path.split("/")[:7]
        api = self.backend.apis.get(rest_api_id)
        resource = api.resources.get(resource_id) if api is not None else None
        if resource is None:  # AWS's words for either, not moto's two
            raise ResourceNotFound("Invalid Resource identifier specified")
        method = resource.get_method(http_method)  # moto's "Invalid Method identifier specified"
        fields = {name: getattr(method, attr) for name, attr in _METHOD_ATTRIBUTES.items()}
        parts = {
            "validators": list(api.request_validators),
            "models": list(api.models),
            "authorizers": list(api.authorizers),
        }
        try:
            fields = patched(fields, self._get_param("patchOperations") or [], parts)
        except ValueError as error:
            raise BadRequestException(str(error)) from None
        for name, attr in _METHOD_ATTRIBUTES.items():
            setattr(method, attr, fields[name])
        return 200, {}, json.dumps(method.to_json())

    add(APIGatewayResponse, "update_method", update_method)
