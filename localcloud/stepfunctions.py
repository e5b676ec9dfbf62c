"""Step Functions additions: unique execution names, and the AWS/States metrics.

moto names an execution started without a `name` "None" (so a second one clashes); AWS
generates a UUID. And moto publishes no metrics; AWS publishes, per state machine,
ExecutionsStarted, ExecutionsSucceeded/Failed/TimedOut/Aborted and ExecutionTime.
"""

from __future__ import annotations

import json
import threading
import uuid

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
