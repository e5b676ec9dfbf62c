"""Step Functions additions: unique execution names, StartSyncExecution, metrics and logs.

moto names an execution started without a `name` "None" (so a second one clashes); AWS
generates a UUID. moto has no StartSyncExecution (Express workflows answered synchronously).
moto publishes no metrics (AWS: ExecutionsStarted, ExecutionsSucceeded/Failed/TimedOut/Aborted
and ExecutionTime per state machine) and delivers no execution logs to CloudWatch Logs. With
X-Ray tracing on, a machine's Lambda tasks carry its execution's trace (`task_trace_header`).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import queue
import threading
import uuid
from typing import Any

from localcloud import iam, metrics, seams
from localcloud.in_process import WsgiApp, WsgiHttpSession
from localcloud.lambda_tasks import TaskLambdaClient
from localcloud.sns_tasks import TaskSnsClient
from localcloud.tracing import child_header, new_trace_header, trace_id

log = logging.getLogger(__name__)
START_TARGETS = {"AWSStepFunctions.StartExecution", "AWSStepFunctions.StartSyncExecution"}
FINISHED = {
    "SUCCEEDED": "ExecutionsSucceeded",
    "FAILED": "ExecutionsFailed",
    "TIMED_OUT": "ExecutionsTimedOut",
    "ABORTED": "ExecutionsAborted",
}


def name_unnamed_execution(target: str, body: bytes) -> bytes:
    """Give a StartExecution request without a name a UUID name, as AWS does."""
    if target not in START_TARGETS:
        return body
    try:
        request = json.loads(body)
    except ValueError:
        return body  # let moto answer the malformed request
    if not isinstance(request, dict) or request.get("name"):
        return body
    request["name"] = str(uuid.uuid4())
    return json.dumps(request).encode()


def start_sync_execution(
    body: bytes, region: str, trace_header: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Answer a StartSyncExecution request: (HTTP status, JSON body) as AWS shapes them.

    `trace_header` is the request's X-Amzn-Trace-Id; it wins over a `traceHeader` in the body.
    """
    request = json.loads(name_unnamed_execution("AWSStepFunctions.StartSyncExecution", body))
    try:
        described = seams.start_execution_and_wait(
            seams.ACCOUNT_ID,
            region,
            request.get("stateMachineArn", ""),
            request["name"],
            request.get("input") or "{}",
            trace_header or request.get("traceHeader") or None,
        )
    except seams.SfnClientError as error:
        return 400, {"__type": error.code, "message": str(error)}
    started, stopped = described["startDate"], described["stopDate"]
    answer = {
        key: described[key]
        for key in ("executionArn", "stateMachineArn", "name", "status", "input", "output")
        if key in described
    }
    answer.update(
        {k: described[k] for k in ("error", "cause", "traceHeader") if described.get(k) is not None}
    )
    answer["startDate"] = started.timestamp()
    answer["stopDate"] = stopped.timestamp()
    answer["inputDetails"] = {"included": True}
    if "output" in answer:
        answer["outputDetails"] = {"included": True}
    elapsed_ms = (stopped - started).total_seconds() * 1000
    # Express workflows are billed per 100 ms, in 64 MB steps.
    answer["billingDetails"] = {
        "billedMemoryUsedInMB": 64,
        "billedDurationInMilliseconds": max(100, math.ceil(elapsed_ms / 100) * 100),
    }
    return 200, answer


def task_trace_header(account_id: str, region: str, execution_arn: str) -> str | None:
    """The X-Amzn-Trace-Id a Lambda task of this execution sends to its function.

    With X-Ray tracing on, the state machine continues the trace it was started in (a new one
    if the caller sent none), so its functions log the caller's trace id. With tracing off,
    none: Lambda starts a trace of its own for each invoke, as it does on AWS.
    """
    enabled, header = seams.execution_tracing(account_id, region, execution_arn)
    if not enabled:
        return None
    if trace_id(header) is None:
        header = new_trace_header()
        seams.set_execution_trace_header(account_id, region, execution_arn, header)
    return child_header(header)


def install_interpreter(watcher: ExecutionWatcher, services: WsgiApp, guard: iam.Guard) -> None:
    """Our additions to moto's ASL interpreter: traced Lambda tasks that invoke the runtime
    directly and SNS tasks that publish directly (their role's permission checked by `guard`,
    the server's IAM guard), reused clients for the other tasks that call `services` (the
    server's app) in this process, a parsed program per definition, no thread for a wait that
    cannot time out, parsed JSONPaths, a state's data copied as JSON, executions found by ARN
    and name without a walk, and execution starts and ends told to `watcher` (and to
    StartSyncExecution). The server runs this before the first Step Functions request
    (importing the interpreter takes over a second)."""
    seams.install_state_task_trace(task_trace_header)
    lambda_task_client = functools.partial(
        TaskLambdaClient, guard=guard, trace_header=seams.task_trace_header
    )
    sns_task_client = functools.partial(TaskSnsClient, guard=guard)
    seams.install_task_client_cache(
        lambda_task_client, WsgiHttpSession(services), sns_task_client=sns_task_client
    )
    seams.install_program_cache()
    seams.install_untimed_waits_inline()
    seams.install_json_path_cache()
    seams.install_definite_json_paths()
    seams.install_json_copies()
    seams.install_execution_index()
    seams.install_execution_events(watcher.started, watcher.ended)
    # A second CreateStateMachine of a name: idempotent only for the same machine, as on AWS.
    seams.install_create_state_machine_idempotency()


class ExecutionWatcher:
    """Records executions as they start and end: AWS/States metrics for each, and, for machines
    with a loggingConfiguration, the execution's events in its CloudWatch Logs group.

    moto's interpreter tells `started` and `ended` (from the execution's own thread); the work
    is queued to this watcher's thread, so an execution never waits for its own metrics and
    the cost is per execution, however many have finished before.
    """

    def __init__(self) -> None:
        self.events: queue.SimpleQueue[tuple[str, seams.ExecutionView] | None] = queue.SimpleQueue()

    def started(self, execution: seams.ExecutionView) -> None:
        self.events.put(("started", execution))

    def ended(self, execution: seams.ExecutionView) -> None:
        self.events.put(("ended", execution))

    def start(self) -> None:
        threading.Thread(target=self._run, name="states-watcher", daemon=True).start()

    def stop(self) -> None:
        self.events.put(None)

    def _run(self) -> None:
        while (event := self.events.get()) is not None:
            kind, execution = event
            try:
                self.record(kind, execution)
            except Exception:  # one bad execution must not stop the watcher for all others
                log.exception("could not record execution %s", execution.arn)

    def record(self, kind: str, execution: seams.ExecutionView) -> None:
        where = (execution.account_id, execution.region)
        dims = {"StateMachineArn": execution.state_machine_arn}
        if kind == "started":
            metrics.put("AWS/States", dims, {"ExecutionsStarted": (1, "Count")}, *where)
            return
        seams.forget_finished_threads()
        if execution.status not in FINISHED or execution.stop_date is None:
            return
        elapsed_ms = (execution.stop_date - execution.start_date).total_seconds() * 1000
        values = {
            FINISHED[execution.status]: (1, "Count"),
            "ExecutionTime": (elapsed_ms, "Milliseconds"),
        }
        metrics.put("AWS/States", dims, values, *where)
        write_execution_log(execution)
        # Its metrics and log are all AWS keeps of an Express execution.
        seams.forget_express_execution(execution)


# Which history events each logging level keeps (AWS: "Log levels" in the Step Functions guide).
FATAL_EVENTS = {"ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}


def _kept(event_type: str, level: str) -> bool:
    if level == "ALL":
        return True
    if level == "ERROR":
        return event_type.endswith(("Failed", "TimedOut", "Aborted"))
    return level == "FATAL" and event_type in FATAL_EVENTS


def write_execution_log(execution: seams.ExecutionView) -> None:
    """Write a finished execution's events to its machine's log group, as AWS's log lines."""
    where = (execution.account_id, execution.region)
    config = seams.state_machine_logging(*where, execution.state_machine_arn)
    level = config.get("level", "OFF")
    destinations = config.get("destinations") or []
    if level == "OFF" or not destinations:
        return
    group_arn = destinations[0]["cloudWatchLogsLogGroup"]["logGroupArn"]
    group = group_arn.split(":log-group:", 1)[1].removesuffix(":*")
    include_data = config.get("includeExecutionData", False)
    lines = []
    for event in seams.execution_history(*where, execution.arn):
        if not _kept(event["type"], level):
            continue
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        if not include_data:
            details = {k: v for k, v in details.items() if k not in ("input", "output")}
        stamp_ms = int(event["timestamp"].timestamp() * 1000)
        document = {
            "id": str(event["id"]),
            "type": event["type"],
            "details": details,
            "previous_event_id": str(event.get("previousEventId", 0)),
            "event_timestamp": str(stamp_ms),
            "execution_arn": execution.arn,
            "redrive_count": "0",
        }
        lines.append({"timestamp": stamp_ms, "message": json.dumps(document, default=str)})
    if lines:
        machine = execution.state_machine_arn.rsplit(":", 1)[1]
        minute = execution.start_date.strftime("%Y-%m-%d-%H-%M")
        stream = f"states/{machine}/{minute}/{uuid.uuid4().hex[:8]}"
        seams.put_log_events(*where, group, stream, lines)
