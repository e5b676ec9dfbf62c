"""Step Functions: moto's ASL interpreter's executions, and its Lambda task seam."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from localcloud.seams.patching import replace


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

    current = threading.local()

    def boto_client_for_of(model: Any) -> Any:
        def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            client = model(region=region, service=service, state_credentials=state_credentials)
            header = getattr(current, "trace_header", None)
            if header:

                def add_header(request: Any, **_: Any) -> None:
                    request.headers["X-Amzn-Trace-Id"] = header

                client.meta.events.register("before-sign.lambda.Invoke", add_header)
            return client

        return boto_client_for

    def execute_of(model: Any) -> Any:
        def execute_lambda_function_integration(
            env: Any, parameters: dict, region: str, state_credentials: Any
        ) -> None:
            execution_arn = env.states.context_object.context_object_data["Execution"]["Id"]
            current.trace_header = trace_for(execution_arn.split(":")[4], region, execution_arn)
            try:
                model(env, parameters, region, state_credentials)
            finally:
                current.trace_header = None

        return execute_lambda_function_integration

    replace(tasks, "boto_client_for", boto_client_for_of)
    replace(tasks, "execute_lambda_function_integration", execute_of)


class SfnClientError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
