"""The one module that touches moto's internals.

Everything the local cloud adds to moto (a Lambda runtime, logs and metrics written by the
platform itself, execution naming, ...) goes through the functions here, so a moto upgrade
that moves an internal breaks this file and `tests/localcloud/test_seams.py`, nowhere else.
moto is pinned in requirements.txt for that reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import moto
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.cloudwatch.models import cloudwatch_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict
from moto.core.config import default_user_config
from moto.logs.models import logs_backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

MOTO_VERSION = "5.2.5"
ACCOUNT_ID: str = DEFAULT_ACCOUNT_ID

__all__ = [
    "ACCOUNT_ID",
    "LambdaBackend",
    "LambdaFunction",
    "MotoRequestHandler",
    "check_moto_version",
    "configure_moto",
    "function_code_zip",
    "layer_code_zip",
    "lambda_backend",
    "moto_wsgi_app",
    "put_log_events",
    "put_metric_data",
]


def check_moto_version() -> None:
    """Refuse to run on a moto other than the one these seams were written against."""
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"localcloud was written against moto {MOTO_VERSION} but moto {moto.__version__} is "
            "installed. Run `make install` (or pip install -r requirements.txt) to get the pinned "
            "version, or update localcloud/seams.py and its tests for the new one."
        )


def configure_moto(lambda_backend_class: type[LambdaBackend]) -> None:
    """Switch on moto's Step Functions interpreter and swap in our Lambda backend.

    moto picks its Lambda backend in `moto.awslambda.utils.get_backend`: with
    `use_docker: False` it serves `moto.awslambda_simple.models.lambda_simple_backends`, the
    extension seam moto itself uses for a Docker-free Lambda. We install our own BackendDict
    there, so every caller (the Lambda API, Step Functions, SNS) reaches our `invoke`.
    """
    import moto.awslambda_simple.models as simple

    default_user_config["lambda"] = {"use_docker": False}
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    simple.lambda_simple_backends = BackendDict(lambda_backend_class, "lambda")


def lambda_backend(account_id: str, region: str) -> LambdaBackend:
    """The Lambda backend moto serves for an account and region (ours, once configured)."""
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


def moto_wsgi_app() -> DomainDispatcherApplication:
    """moto's own server application, as `moto_server` builds it."""
    return DomainDispatcherApplication(create_backend_app)


def function_code_zip(function: LambdaFunction) -> bytes:
    """The deployment package (zip bytes) of a function."""
    return function.code_bytes


def function_code_sha256(function: LambdaFunction) -> str:
    return function.code_sha_256


def function_layer_zips(function: LambdaFunction) -> list[tuple[str, bytes]]:
    """(layer version ARN, zip bytes) for each layer of a function, in order."""
    backend = lambda_backend(function.account_id, function.region)
    zips = []
    for layer in function.layers:
        version = backend.layers_versions_by_arn(layer["Arn"])
        zips.append((layer["Arn"], layer_code_zip(version)))
    return zips


def layer_code_zip(layer_version: Any) -> bytes:
    return layer_version.code_bytes


def put_log_events(
    account_id: str, region: str, group: str, stream: str, events: list[dict[str, Any]]
) -> None:
    """Append events ({"timestamp": ms, "message": str}) to a stream, creating both as needed."""
    backend = logs_backends[account_id][region]
    backend.ensure_log_group(group)
    backend.ensure_log_stream(group, stream)
    backend.put_log_events(group, stream, events)


def put_metric_data(
    account_id: str, region: str, namespace: str, metric_data: list[dict[str, Any]]
) -> None:
    """Record datapoints as PutMetricData would (Timestamp a datetime, or now)."""
    for datum in metric_data:
        stamp = datum.get("Timestamp")
        if isinstance(stamp, dt.datetime) and stamp.tzinfo is not None:
            # moto keeps naive UTC datetimes.
            datum["Timestamp"] = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    cloudwatch_backends[account_id][region].put_metric_data(namespace, metric_data)


@dataclass(frozen=True)
class ExecutionView:
    account_id: str
    region: str
    arn: str
    state_machine_arn: str
    status: str
    start_date: dt.datetime
    stop_date: dt.datetime | None


def iter_executions() -> Iterator[ExecutionView]:
    """Every Step Functions execution moto's ASL interpreter (`moto.stepfunctions.parser`) holds."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    for account_id, regions in list(stepfunctions_parser_backends.items()):
        for region, backend in list(regions.items()):
            for machine in list(backend.state_machines):
                for execution in list(machine.executions):
                    status = execution.exec_status.value if execution.exec_status else "RUNNING"
                    yield ExecutionView(
                        account_id,
                        region,
                        execution.exec_arn,
                        execution.state_machine_arn,
                        status,
                        execution.start_date,
                        execution.stop_date,
                    )


def start_execution_and_wait(
    account_id: str, region: str, state_machine_arn: str, name: str, execution_input: str
) -> dict[str, Any]:
    """Run an execution to its end in moto's ASL interpreter; its DescribeExecution fields.

    moto 5.2.5 has no StartSyncExecution; an Express execution is started as any other and
    waited for. Raises `SfnClientError` for a missing machine or a Standard one.
    """
    import time

    from moto.stepfunctions.responses import get_backend

    backend = get_backend(account_id, region)
    try:
        machine = backend.describe_state_machine(state_machine_arn)
    except Exception as exc:  # moto's own "does not exist" / "invalid ARN" errors
        raise SfnClientError(getattr(exc, "code", "StateMachineDoesNotExist"), str(exc)) from exc
    if machine.type != "EXPRESS":
        raise SfnClientError(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        )
    execution = backend.start_execution(state_machine_arn, name, execution_input)
    while execution.exec_status is None or execution.exec_status.value == "RUNNING":
        time.sleep(0.002)
    described = dict(execution.to_describe_output())
    described["status"] = execution.exec_status.value
    return described


class SfnClientError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- API Gateway ------------------------------------------------------------------------------
# moto keeps REST API configuration but serves no invoke URLs; `localcloud.apigateway` does.
# These functions hand it that configuration as plain data, in API Gateway's own JSON shapes
# (GetResources with embedded methods, GetStage, GetUsagePlans, ...).


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

    # Installing again replaces the callback rather than wrapping the wrapper.
    create = getattr(
        APIGatewayBackend.create_deployment,
        "localcloud_original",
        APIGatewayBackend.create_deployment,
    )

    def create_deployment(
        self: Any, function_id: str, name: str, description: str = "", stage_variables: Any = None
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

    create_deployment.localcloud_original = create  # type: ignore[attr-defined]
    APIGatewayBackend.create_deployment = create_deployment  # type: ignore[method-assign]
