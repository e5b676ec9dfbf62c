"""API Gateway: REST API configuration as plain data, and deployments as they happen.

moto keeps REST API configuration but serves no invoke URLs; `localcloud.apigateway` does.
These functions hand it that configuration as plain data, in API Gateway's own JSON shapes
(GetResources with embedded methods, GetStage, GetUsagePlans, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from localcloud.seams.patching import replace


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
