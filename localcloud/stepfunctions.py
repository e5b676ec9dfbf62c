"""Step Functions additions: unique execution names, StartSyncExecution, AWS/States metrics.

moto names an execution started without a `name` "None" (so a second one clashes); AWS
generates a UUID. moto has no StartSyncExecution (Express workflows answered synchronously).
And moto publishes no metrics; AWS publishes, per state machine, ExecutionsStarted,
ExecutionsSucceeded/Failed/TimedOut/Aborted and ExecutionTime.
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from typing import Any

from localcloud import metrics, seams

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


def start_sync_execution(body: bytes, region: str) -> tuple[int, dict[str, Any]]:
    """Answer a StartSyncExecution request: (HTTP status, JSON body) as AWS shapes them."""
    request = json.loads(name_unnamed_execution("AWSStepFunctions.StartSyncExecution", body))
    try:
        described = seams.start_execution_and_wait(
            seams.ACCOUNT_ID,
            region,
            request.get("stateMachineArn", ""),
            request["name"],
            request.get("input") or "{}",
        )
    except seams.SfnClientError as error:
        return 400, {"__type": error.code, "message": str(error)}
    started, stopped = described["startDate"], described["stopDate"]
    answer = {
        key: described[key]
        for key in ("executionArn", "stateMachineArn", "name", "status", "input", "output")
        if key in described
    }
    answer.update({k: described[k] for k in ("error", "cause") if described.get(k) is not None})
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


class ExecutionMetrics:
    """Watches executions and puts AWS/States metrics for each start and each end."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self.interval_s = interval_s
        self.seen: dict[str, str] = {}  # execution ARN -> last status recorded
        self.stopping = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="states-metrics", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()

    def _run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            self.scan()

    def scan(self) -> None:
        for execution in seams.iter_executions():
            arn, status = execution.arn, execution.status
            account_id, region = execution.account_id, execution.region
            previous = self.seen.get(arn)
            if previous == status:
                continue
            self.seen[arn] = status
            dims = {"StateMachineArn": execution.state_machine_arn}
            if previous is None:
                metrics.put(
                    "AWS/States", dims, {"ExecutionsStarted": (1, "Count")}, account_id, region
                )
            if status in FINISHED and execution.stop_date is not None:
                elapsed_ms = (execution.stop_date - execution.start_date).total_seconds() * 1000
                metrics.put(
                    "AWS/States",
                    dims,
                    {FINISHED[status]: (1, "Count"), "ExecutionTime": (elapsed_ms, "Milliseconds")},
                    account_id,
                    region,
                )
