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


TRACING_MODES = ("Active", "PassThrough")


def function_revision(function: LambdaFunction) -> str:
    """Changes with every UpdateFunctionCode and UpdateFunctionConfiguration (LastModified)."""
    return function.last_modified


def install_lambda_update_hooks() -> None:
    """What Lambda's two update calls do on AWS and moto 5.2.5 skips.

    UpdateFunctionConfiguration applies `TracingConfig` (moto keeps the one given at create),
    and both updates set LastModified: every update gives the function new execution
    environments, so the runtime's next invoke is a cold start even if nothing it reads
    changed (a new tracing mode, role or description).
    """
    from moto.awslambda.exceptions import ValidationException
    from moto.core.utils import iso_8601_datetime_with_nanoseconds

    def original(name: str) -> Any:
        method = getattr(LambdaFunction, name)
        return getattr(method, "localcloud_original", method)

    update_configuration_model = original("update_configuration")
    update_code_model = original("update_function_code")

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "TracingConfig" in config_updates:
            mode = (config_updates["TracingConfig"] or {}).get("Mode", "PassThrough")
            if mode not in TRACING_MODES:
                raise ValidationException(
                    mode,
                    "tracingConfig.mode",
                    f"Member must satisfy enum value set: [{', '.join(TRACING_MODES)}]",
                )
            self.tracing_config = {"Mode": mode}
        self.last_modified = iso_8601_datetime_with_nanoseconds()
        return update_configuration_model(self, config_updates)

    def update_function_code(self: Any, updated_spec: dict[str, Any]) -> dict[str, Any]:
        if not updated_spec.get("DryRun"):
            self.last_modified = iso_8601_datetime_with_nanoseconds()
        return update_code_model(self, updated_spec)

    update_configuration.localcloud_original = update_configuration_model  # type: ignore[attr-defined]
    update_function_code.localcloud_original = update_code_model  # type: ignore[attr-defined]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]
    LambdaFunction.update_function_code = update_function_code  # type: ignore[method-assign]


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
    account_id: str,
    region: str,
    state_machine_arn: str,
    name: str,
    execution_input: str,
    trace_header: str | None = None,
) -> dict[str, Any]:
    """Run an execution to its end in moto's ASL interpreter; its DescribeExecution fields.

    moto 5.2.5 has no StartSyncExecution; an Express execution is started as any other and
    waited for. Raises `SfnClientError` for a missing machine or a Standard one.
    `trace_header` is the caller's X-Amzn-Trace-Id (DescribeExecution's traceHeader).
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
    execution = backend.start_execution(
        state_machine_arn, name, execution_input, trace_header=trace_header
    )
    while execution.exec_status is None or execution.exec_status.value == "RUNNING":
        time.sleep(0.002)
    described = dict(execution.to_describe_output())
    described["status"] = execution.exec_status.value
    return described


def execution_history(account_id: str, region: str, execution_arn: str) -> list[dict[str, Any]]:
    """GetExecutionHistory's events (Express executions too, which the API refuses on AWS),
    as plain data: `type` a str, `timestamp` an aware datetime."""
    from moto.stepfunctions.responses import get_backend

    events = get_backend(account_id, region).get_execution_history(execution_arn)["events"]
    plain = []
    for event in events:
        stamp = event["timestamp"]
        if isinstance(stamp, str):  # moto's interpreter keeps ISO-8601 text
            stamp = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        plain.append(
            {**event, "type": getattr(event["type"], "value", event["type"]), "timestamp": stamp}
        )
    return plain


def state_machine_logging(account_id: str, region: str, state_machine_arn: str) -> dict[str, Any]:
    """A state machine's loggingConfiguration ({"level": "OFF"} when none was given)."""
    from moto.stepfunctions.responses import get_backend

    machine = get_backend(account_id, region).describe_state_machine(state_machine_arn)
    return machine.loggingConfiguration


def execution_tracing(account_id: str, region: str, execution_arn: str) -> tuple[bool, str | None]:
    """Whether the execution's state machine had X-Ray tracing on when it started, and the
    execution's trace header (None if it was started without one)."""
    from moto.stepfunctions.responses import get_backend

    execution = get_backend(account_id, region).describe_execution(execution_arn)
    tracing = getattr(execution.state_machine, "tracingConfiguration", None) or {}
    return bool(tracing.get("enabled")), execution.trace_header


def set_execution_trace_header(
    account_id: str, region: str, execution_arn: str, trace_header: str
) -> None:
    """Give an execution the trace it runs in (DescribeExecution's traceHeader)."""
    from moto.stepfunctions.responses import get_backend

    get_backend(account_id, region).describe_execution(execution_arn).trace_header = trace_header


def install_state_task_trace(trace_for: Callable[[str, str, str], str | None]) -> None:
    """Let a Lambda task of an execution carry a trace header to the function it invokes.

    moto's interpreter invokes each Lambda task (`arn:aws:states:::lambda:invoke` or a bare
    function ARN) through `lambda_eval_utils.execute_lambda_function_integration`, with a
    boto3 client from `boto_client_for`, in the thread that runs the task. Both are wrapped:
    the first asks `trace_for(account, region, execution_arn)` for the header, the second adds
    it to the Invoke request, where the Lambda API reads X-Amzn-Trace-Id as from any caller.
    """
    import threading

    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        lambda_eval_utils as tasks,
    )

    def original(name: str) -> Any:
        function = getattr(tasks, name)
        return getattr(function, "localcloud_original", function)

    execute_model = original("execute_lambda_function_integration")
    client_model = original("boto_client_for")
    current = threading.local()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        client = client_model(region=region, service=service, state_credentials=state_credentials)
        header = getattr(current, "trace_header", None)
        if header:

            def add_header(request: Any, **_: Any) -> None:
                request.headers["X-Amzn-Trace-Id"] = header

            client.meta.events.register("before-sign.lambda.Invoke", add_header)
        return client

    def execute_lambda_function_integration(
        env: Any, parameters: dict, region: str, state_credentials: Any
    ) -> None:
        execution_arn = env.states.context_object.context_object_data["Execution"]["Id"]
        current.trace_header = trace_for(execution_arn.split(":")[4], region, execution_arn)
        try:
            execute_model(env, parameters, region, state_credentials)
        finally:
            current.trace_header = None

    boto_client_for.localcloud_original = client_model  # type: ignore[attr-defined]
    execute_lambda_function_integration.localcloud_original = execute_model  # type: ignore[attr-defined]
    tasks.boto_client_for = boto_client_for
    tasks.execute_lambda_function_integration = execute_lambda_function_integration


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


# -- SNS --------------------------------------------------------------------------------------
# moto delivers to SQS, HTTP and Lambda but only records email/email-json, drops SMS and
# application deliveries, and confirms every subscription at once. `localcloud.mail` gives
# email a mailbox and AWS's confirmation flow through the hooks installed here.

# Protocols moto does not deliver anywhere; their deliveries go to the `deliver` hook.
SNS_LOCAL_PROTOCOLS = frozenset({"email", "email-json", "sms", "application", "firehose"})
SNS_CONFIRMATION_PROTOCOLS = frozenset({"email", "email-json"})  # confirmed by the address


@dataclass(frozen=True)
class SubscriptionView:
    account_id: str
    region: str
    arn: str
    topic_arn: str
    topic_display_name: str
    protocol: str
    endpoint: str
    pending: bool


class SnsError(Exception):
    """Raised by a hook to answer the API call with SNS's InvalidParameter error."""


@dataclass(frozen=True)
class SnsHooks:
    # A new email/email-json subscription (or a repeated Subscribe of a pending one).
    subscribed: Callable[[SubscriptionView], None]
    # A message that passed the subscription's filter policy (message already chosen by
    # MessageStructure for the protocol): (subscription, message, message_id, subject, attrs).
    deliver: Callable[[SubscriptionView, str, str, str | None, dict[str, Any] | None], None]
    # ConfirmSubscription(TopicArn, Token) -> the subscription's ARN; raises SnsError.
    confirm: Callable[[str, str, str, str], str]


def _subscription_view(subscription: Any) -> SubscriptionView:
    topic = subscription.topic
    return SubscriptionView(
        account_id=subscription.account_id,
        region=topic.sns_backend.region_name,
        arn=subscription.arn,
        topic_arn=topic.arn,
        topic_display_name=topic.display_name or "",
        protocol=subscription.protocol,
        endpoint=subscription.endpoint,
        pending=bool(subscription.attributes.get("PendingConfirmation")),
    )


def install_sns_hooks(hooks: SnsHooks) -> None:
    """Route SNS's undelivered protocols, subscription and confirmation through `hooks`."""
    from moto.core.responses import ActionResult
    from moto.sns.exceptions import SNSInvalidParameter, TopicNotFound
    from moto.sns.models import SNSBackend, Subscription
    from moto.sns.responses import SNSResponse

    def original(cls: Any, name: str) -> Any:
        # Installing again replaces the hooks rather than wrapping the wrappers.
        method = getattr(cls, name)
        return getattr(method, "localcloud_original", method)

    subscribe_model = original(SNSBackend, "subscribe")
    publish_model = original(Subscription, "publish")
    subscribe_api = original(SNSResponse, "subscribe")

    def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        existing = self._find_subscription(topic_arn, endpoint, protocol)
        subscription = subscribe_model(self, topic_arn, endpoint, protocol)
        if protocol in SNS_CONFIRMATION_PROTOCOLS:
            if existing is None:
                subscription.attributes["PendingConfirmation"] = True
                subscription.attributes["ConfirmationWasAuthenticated"] = False
            if subscription.attributes.get("PendingConfirmation"):
                # AWS sends the confirmation again when a pending address is subscribed again.
                hooks.subscribed(_subscription_view(subscription))
        return subscription

    def publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.attributes.get("PendingConfirmation"):
            return  # nothing reaches an unconfirmed subscription
        if self.protocol not in SNS_LOCAL_PROTOCOLS:
            publish_model(
                self,
                message,
                message_id,
                subject=subject,
                message_attributes=message_attributes,
                group_id=group_id,
                deduplication_id=deduplication_id,
                message_structure=message_structure,
            )
            return
        matcher = self._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        hooks.deliver(_subscription_view(self), message, message_id, subject, message_attributes)

    def subscribe_response(self: Any) -> Any:
        result = subscribe_api(self)
        arn = result.result["SubscriptionArn"]
        subscription = self.backend.subscriptions.get(arn)
        wants_arn = str(self._get_param("ReturnSubscriptionArn", False)).lower() == "true"
        pending = subscription is not None and subscription.attributes.get("PendingConfirmation")
        if pending and not wants_arn:
            # AWS's literal answer for a subscription that awaits confirmation.
            return ActionResult({"SubscriptionArn": "pending confirmation"})
        return result

    def confirm_subscription(self: Any) -> Any:
        topic_arn = self._get_param("TopicArn")
        if topic_arn not in self.backend.topics:
            raise TopicNotFound
        try:
            arn = hooks.confirm(
                self.current_account, self.region, topic_arn, self._get_param("Token") or ""
            )
        except SnsError as error:
            raise SNSInvalidParameter(str(error)) from None
        return ActionResult({"SubscriptionArn": arn})

    def listed_arn(self: Any) -> str:
        # ListSubscriptions(ByTopic) show this instead of the ARN while confirmation is pending.
        return "PendingConfirmation" if self.attributes.get("PendingConfirmation") else self.arn

    subscribe.localcloud_original = subscribe_model  # type: ignore[attr-defined]
    publish.localcloud_original = publish_model  # type: ignore[attr-defined]
    subscribe_response.localcloud_original = subscribe_api  # type: ignore[attr-defined]
    SNSBackend.subscribe = subscribe  # type: ignore[method-assign]
    Subscription.publish = publish  # type: ignore[method-assign]
    SNSResponse.subscribe = subscribe_response  # type: ignore[method-assign]
    SNSResponse.confirm_subscription = confirm_subscription  # type: ignore[method-assign]
    Subscription.subscription_arn = property(listed_arn)  # type: ignore[attr-defined]


def sns_subscriptions() -> Iterator[SubscriptionView]:
    """Every subscription in every account and region."""
    from moto.sns.models import sns_backends

    for _account_id, regions in list(sns_backends.items()):
        for _region, backend in list(regions.items()):
            for subscription in list(backend.subscriptions.values()):
                yield _subscription_view(subscription)


def sns_confirm(account_id: str, region: str, arn: str) -> SubscriptionView | None:
    """Mark a subscription confirmed; None if it no longer exists."""
    from moto.sns.models import sns_backends

    subscription = sns_backends[account_id][region].subscriptions.get(arn)
    if subscription is None:
        return None
    subscription.attributes["PendingConfirmation"] = False
    return _subscription_view(subscription)


def sns_unsubscribe(account_id: str, region: str, arn: str) -> SubscriptionView | None:
    """Delete a subscription, as Unsubscribe does; returns what was deleted, if anything."""
    from moto.sns.models import sns_backends

    backend = sns_backends[account_id][region]
    subscription = backend.subscriptions.get(arn)
    if subscription is None:
        return None
    backend.unsubscribe(arn)
    return _subscription_view(subscription)


def sns_notification_document(
    view: SubscriptionView,
    message: str,
    message_id: str,
    subject: str | None,
    message_attributes: dict[str, Any] | None,
) -> dict[str, Any]:
    """The signed JSON notification SNS posts to HTTP endpoints (and mails to email-json)."""
    from moto.sns.models import sns_backends

    subscription = sns_backends[view.account_id][view.region].subscriptions[view.arn]
    return subscription.get_post_data(
        message, message_id, subject, message_attributes=message_attributes
    )


def sns_publish(
    account_id: str,
    region: str,
    topic_arn: str,
    message: str,
    subject: str | None = None,
    message_structure: str | None = None,
) -> str:
    """Publish to a topic as the Publish API would (filter policies and all); the message id."""
    from moto.sns.models import sns_backends

    return sns_backends[account_id][region].publish(
        message, arn=topic_arn, subject=subject, message_structure=message_structure
    )


def sns_direct_sms() -> Iterator[dict[str, str]]:
    """SMS sent with Publish(PhoneNumber=...), which moto keeps per account and region."""
    from moto.sns.models import sns_backends

    for account_id, regions in list(sns_backends.items()):
        for region, backend in list(regions.items()):
            for message_id, (phone, message) in list(backend.sms_messages.items()):
                yield {
                    "accountId": account_id,
                    "region": region,
                    "messageId": message_id,
                    "phoneNumber": phone,
                    "message": message,
                }


# -- CloudWatch alarms ------------------------------------------------------------------------
# moto stores alarms and datapoints but never evaluates an alarm, starts alarms in OK (AWS:
# INSUFFICIENT_DATA), forgets state on PutMetricAlarm of an existing alarm, and has no
# DescribeAlarmHistory. `localcloud.alarms` evaluates them through the functions here.


@dataclass(frozen=True)
class AlarmView:
    account_id: str
    region: str
    name: str
    arn: str
    description: str | None
    namespace: str | None
    metric_name: str | None
    dimensions: dict[str, str]
    statistic: str | None
    extended_statistic: str | None
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    threshold: float | None
    comparison_operator: str
    treat_missing_data: str | None
    unit: str | None
    evaluate_low_sample_count_percentile: str | None
    actions_enabled: bool
    alarm_actions: tuple[str, ...]
    ok_actions: tuple[str, ...]
    insufficient_data_actions: tuple[str, ...]
    state_value: str
    state_reason: str
    state_reason_data: str
    uses_metric_math: bool  # Metrics (metric math, anomaly bands) or a composite rule


@dataclass(frozen=True)
class Datum:
    """One PutMetricData value, or one StatisticSet (then `values` is empty)."""

    timestamp: dt.datetime  # aware, UTC
    dimensions: dict[str, str]
    unit: str | None
    values: tuple[float, ...]
    sum: float
    minimum: float
    maximum: float
    sample_count: float


@dataclass(frozen=True)
class AlarmHooks:
    # After every state change, whoever made it (evaluator or SetAlarmState):
    # (alarm as it is now, old state value, old state reason).
    state_changed: Callable[[AlarmView, str, str], None]
    # After PutMetricAlarm: (alarm, created) - created is False for an update.
    configured: Callable[[AlarmView, bool], None]
    # DescribeAlarmHistory: (account, region, request parameters) -> AlarmHistoryItems.
    history: Callable[[str, str, dict[str, Any]], list[dict[str, Any]]]


def _alarm_view(alarm: Any, account_id: str) -> AlarmView:
    return AlarmView(
        account_id=account_id,
        region=alarm.region_name,
        name=alarm.name,
        arn=alarm.alarm_arn,
        description=alarm.description,
        namespace=alarm.namespace,
        metric_name=alarm.metric_name,
        dimensions={d.name: d.value for d in alarm.dimensions},
        statistic=alarm.statistic,
        extended_statistic=alarm.extended_statistic,
        period=int(alarm.period or 60),
        evaluation_periods=int(alarm.evaluation_periods or 1),
        datapoints_to_alarm=int(alarm.datapoints_to_alarm) if alarm.datapoints_to_alarm else None,
        threshold=float(alarm.threshold) if alarm.threshold is not None else None,
        comparison_operator=alarm.comparison_operator,
        treat_missing_data=alarm.treat_missing_data,
        unit=alarm.unit,
        evaluate_low_sample_count_percentile=alarm.evaluate_low_sample_count_percentile,
        actions_enabled=bool(alarm.actions_enabled),
        alarm_actions=tuple(alarm.alarm_actions or ()),
        ok_actions=tuple(alarm.ok_actions or ()),
        insufficient_data_actions=tuple(alarm.insufficient_data_actions or ()),
        state_value=alarm.state_value,
        state_reason=alarm.state_reason,
        state_reason_data=alarm.state_reason_data,
        uses_metric_math=bool(alarm.metric_data_queries) or alarm.rule is not None,
    )


def _account_of(alarm_arn: str) -> str:
    return alarm_arn.split(":")[4]


def install_alarm_hooks(hooks: AlarmHooks) -> None:
    """AWS's alarm life cycle on moto's alarms: initial state, kept state, history, actions."""
    from moto.cloudwatch.models import Alarm, CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    update_state = getattr(Alarm.update_state, "localcloud_original", Alarm.update_state)
    put_alarm = getattr(
        CloudWatchBackend.put_metric_alarm,
        "localcloud_original",
        CloudWatchBackend.put_metric_alarm,
    )

    def update(self: Any, reason: str, reason_data: str, state_value: str) -> None:
        old_value, old_reason = self.state_value, self.state_reason
        update_state(self, reason, reason_data, state_value)
        hooks.state_changed(_alarm_view(self, _account_of(self.alarm_arn)), old_value, old_reason)

    def put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["name"] if "name" in kwargs else args[0]
        previous = self.alarms.get(name)
        alarm = put_alarm(self, *args, **kwargs)
        if previous is None:
            alarm.state_value = "INSUFFICIENT_DATA"
        else:
            # AWS leaves the state of an updated alarm alone.
            for field in ("state_value", "state_reason", "state_reason_data", "history"):
                setattr(alarm, field, getattr(previous, field))
            alarm.state_updated_timestamp = previous.state_updated_timestamp
        hooks.configured(_alarm_view(alarm, self.account_id), previous is None)
        return alarm

    def describe_alarm_history(self: Any) -> Any:
        items = hooks.history(self.current_account, self.region, self._get_params())
        return ActionResult({"AlarmHistoryItems": items})

    update.localcloud_original = update_state  # type: ignore[attr-defined]
    put_metric_alarm.localcloud_original = put_alarm  # type: ignore[attr-defined]
    Alarm.update_state = update  # type: ignore[method-assign]
    CloudWatchBackend.put_metric_alarm = put_metric_alarm  # type: ignore[method-assign]
    CloudWatchResponse.describe_alarm_history = describe_alarm_history  # type: ignore[attr-defined]


def iter_alarms() -> Iterator[AlarmView]:
    """Every metric and composite alarm in every account and region."""
    for account_id, regions in list(cloudwatch_backends.items()):
        for _region, backend in list(regions.items()):
            for alarm in list(backend.alarms.values()):
                yield _alarm_view(alarm, account_id)


def set_alarm_state(
    account_id: str, region: str, name: str, state_value: str, reason: str, reason_data: str
) -> None:
    """Change an alarm's state as SetAlarmState does (so history and actions follow)."""
    alarm = cloudwatch_backends[account_id][region].alarms.get(name)
    if alarm is not None:
        alarm.update_state(reason, reason_data, state_value)


def metric_datums(
    account_id: str, region: str, namespace: str, metric_name: str, since: dt.datetime
) -> list[Datum]:
    """The datapoints of one metric (any dimensions) at or after `since` (aware UTC)."""
    from moto.cloudwatch.models import MetricAggregatedDatum

    found = []
    for datum in list(cloudwatch_backends[account_id][region].get_all_metrics()):
        if datum.namespace != namespace or datum.name != metric_name:
            continue
        stamp = datum.timestamp
        stamp = stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp
        if stamp < since:
            continue
        dimensions = {d.name: d.value for d in datum.dimensions}
        if isinstance(datum, MetricAggregatedDatum):
            found.append(
                Datum(
                    stamp,
                    dimensions,
                    datum.unit,
                    (),
                    datum.sum,
                    datum.min,
                    datum.max,
                    datum.sample_count,
                )
            )
        else:
            value = float(datum.value)
            found.append(Datum(stamp, dimensions, datum.unit, (value,), value, value, value, 1.0))
    return found


def install_metric_data_hook(
    handles: Callable[[str], bool],
    values: Callable[[str, str, dict[str, Any], list[dt.datetime]], list[float | None]],
) -> None:
    """GetMetricData for statistics moto cannot compute (percentiles: a 500 in moto 5.2.5).

    A MetricStat query whose Stat `handles` accepts is run by moto as SampleCount, which lays
    out the periods that have data; `values(account, region, query, period starts)` then gives
    each period's value (None drops the period).
    """
    from moto.cloudwatch.models import CloudWatchBackend

    method = CloudWatchBackend.get_metric_data
    get_model = getattr(method, "localcloud_original", method)

    def get_metric_data(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: dt.datetime,
        end_time: dt.datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        ours = {
            q["Id"]: q for q in queries if "MetricStat" in q and handles(q["MetricStat"]["Stat"])
        }
        if not ours:
            return get_model(self, queries, start_time, end_time, scan_by)
        counted = [
            {**q, "MetricStat": {**q["MetricStat"], "Stat": "SampleCount"}}
            if q.get("Id") in ours
            else q
            for q in queries
        ]
        results = get_model(self, counted, start_time, end_time, scan_by)
        for result in results:
            query = ours.get(result["id"])
            if query is None:
                continue
            found = values(self.account_id, self.region_name, query, list(result["timestamps"]))
            kept = [
                (t, v) for t, v in zip(result["timestamps"], found, strict=True) if v is not None
            ]
            result["timestamps"] = [t for t, _ in kept]
            result["values"] = [v for _, v in kept]
            if not query.get("Label"):
                stat = query["MetricStat"]
                result["label"] = f"{stat['Metric']['MetricName']} {stat['Stat']}"
        return results

    get_metric_data.localcloud_original = get_model  # type: ignore[attr-defined]
    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
