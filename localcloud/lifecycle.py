"""Lambda function states: `Pending` after CreateFunction, `InProgress` after an update.

On AWS a new function is `Pending` until Lambda has provisioned it, and each
UpdateFunctionCode/UpdateFunctionConfiguration leaves `LastUpdateStatus` `InProgress` for a
while. Meanwhile Invoke (Pending) and a further update (either) fail with
ResourceConflictException, so deployment code must wait (boto3's `function_active_v2` and
`function_updated_v2` waiters). The durations come from `localcloud.realism`.

https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from localcloud import lifecycle_arrival, lifecycle_tables, realism, seams
from localcloud.lambda_runtime.errors import LambdaServiceError

# What AWS shows while a function is being created (the doc's GetFunctionConfiguration example).
CREATING_REASON = "The function is being created."
CREATING_REASON_CODE = "Creating"


def unqualified(function_arn: str) -> str:
    """A function's ARN without a version or alias: all its versions share one state."""
    return ":".join(function_arn.split(":")[:7])


def resource_conflict(message: str) -> LambdaServiceError:
    return LambdaServiceError("ResourceConflictException", message, 409)


class FunctionStates:
    """When each function becomes Active and when its last update completes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.active_at: dict[str, float] = {}
        self.updated_at: dict[str, float] = {}

    def created(self, function_arn: str) -> None:
        """CreateFunction: Pending (and its update InProgress) for `function_pending_s`."""
        key = unqualified(function_arn)
        ready = self.clock() + realism.delays().function_pending_s
        with self.lock:
            self.active_at[key] = ready
            self.updated_at[key] = ready

    def check_update(self, function_arn: str) -> None:
        """Refuse an update (or PublishVersion) while the function is Pending or updating."""
        key = unqualified(function_arn)
        if self._pending(key):
            raise resource_conflict(
                f"The operation cannot be performed at this time. The resource {key} is "
                f"currently in the following state: 'Pending'. StateReasonCode: "
                f"'{CREATING_REASON_CODE}'"
            )
        if self._updating(key):
            raise resource_conflict(
                "The operation cannot be performed at this time. An update is in progress for "
                f"resource: {key}"
            )

    def updated(self, function_arn: str) -> None:
        """An update was accepted: InProgress for `function_update_s`."""
        ready = self.clock() + realism.delays().function_update_s
        with self.lock:
            self.updated_at[unqualified(function_arn)] = ready

    def deleted(self, function_arn: str) -> None:
        key = unqualified(function_arn)
        with self.lock:
            self.active_at.pop(key, None)
            self.updated_at.pop(key, None)

    def check_invocable(self, function_arn: str) -> None:
        """Refuse an invoke while the function is Pending (AWS: only Active functions run)."""
        if self._pending(unqualified(function_arn)):
            raise resource_conflict(
                "The operation cannot be performed at this time. The function is currently in "
                "the following state: Pending"
            )

    def configuration(self, function_arn: str, config: dict[str, Any]) -> dict[str, Any]:
        """The FunctionConfiguration fields of the function's current state, over moto's."""
        key = unqualified(function_arn)
        for field in (
            "StateReason",
            "StateReasonCode",
            "LastUpdateStatusReason",
            "LastUpdateStatusReasonCode",
        ):
            config.pop(field, None)
        if self._pending(key):
            config["State"] = "Pending"
            config["StateReason"] = CREATING_REASON
            config["StateReasonCode"] = CREATING_REASON_CODE
        else:
            config["State"] = "Active"
        # A published version never changes: only $LATEST (the unqualified ARN) is updated.
        if function_arn == key and self._updating(key):
            config["LastUpdateStatus"] = "InProgress"
            config["LastUpdateStatusReason"] = CREATING_REASON
            config["LastUpdateStatusReasonCode"] = CREATING_REASON_CODE
        else:
            config["LastUpdateStatus"] = "Successful"
        return config

    def _pending(self, key: str) -> bool:
        return self.clock() < self.active_at.get(key, 0.0)

    def _updating(self, key: str) -> bool:
        return self.clock() < self.updated_at.get(key, 0.0)


# One per server process, as moto's backends are: every invoke path checks this one.
functions = FunctionStates()


def install() -> None:
    """Give moto the life cycle AWS resources show: function states (above), table and index
    status (`lifecycle_tables`), logs and metrics that arrive late (`lifecycle_arrival`)."""
    lifecycle_tables.install()
    lifecycle_arrival.install()
    seams.install_function_lifecycle(
        seams.FunctionLifecycleHooks(
            created=functions.created,
            check_update=functions.check_update,
            updated=functions.updated,
            deleted=functions.deleted,
            configuration=functions.configuration,
        )
    )
