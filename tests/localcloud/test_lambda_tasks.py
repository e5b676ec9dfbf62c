"""A workflow's Lambda tasks (`arn:aws:states:::lambda:invoke`): what the task gets back and how
it fails, as the Lambda API answers the state machine's role (`localcloud/lambda_tasks.py`)."""

from __future__ import annotations

import base64
import functools
import json
import re
import time

import pytest

from tests.localcloud.functions import ROLE, deploy
from tests.localcloud.polling import until
from tests.localcloud.workflows import (
    cause_pattern,
    state_machine_role,
    unique,
    unless_refused,
)

ECHO = """
def lambda_handler(event, context):
    print("echo", event)
    return {"got": event, "requestId": context.aws_request_id}
"""
FAIL = """
def lambda_handler(event, context):
    raise ValueError("no such item: " + event["itemId"])
"""
INVOKE = "arn:aws:states:::lambda:invoke"
ACCOUNT = "123456789012"


def one_task(parameters: dict, **task: object) -> str:
    """A workflow of one Lambda task (then a Pass state `Caught` for what it catches)."""
    states: dict = {"Call": {"Type": "Task", "Resource": INVOKE, "Parameters": parameters}}
    if "Catch" in task:
        states["Caught"] = {"Type": "Pass", "End": True}
    states["Call"].update(task, End=True)
    return json.dumps({"StartAt": "Call", "States": states})


@pytest.fixture(scope="module")
def lam(cloud):  # noqa: ANN001, ANN201
    return cloud.client("lambda")


@pytest.fixture(scope="module")
def sfn(cloud):  # noqa: ANN001, ANN201
    return cloud.client("stepfunctions")


@pytest.fixture(scope="module")
def echo(lam) -> str:  # noqa: ANN001
    """An echoing function's ARN, with a version 1 published."""
    arn = lam.get_function(FunctionName=deploy(lam, ECHO))["Configuration"]["FunctionArn"]
    lam.publish_version(FunctionName=arn)
    return arn


def run_sync(sfn, parameters: dict, execution_input: dict, **task: object) -> dict:  # noqa: ANN001
    machine = sfn.create_state_machine(
        name=unique("task"), definition=one_task(parameters, **task), roleArn=ROLE, type="EXPRESS"
    )["stateMachineArn"]
    return sfn.start_sync_execution(stateMachineArn=machine, input=json.dumps(execution_input))


def test_the_task_result_is_the_invoke_answer(sfn, echo) -> None:  # noqa: ANN001
    done = run_sync(sfn, {"FunctionName": echo, "Payload.$": "$"}, {"itemId": "a"})

    assert done["status"] == "SUCCEEDED", done
    result = json.loads(done["output"])
    assert set(result) == {"ExecutedVersion", "Payload", "StatusCode"}
    assert result["StatusCode"] == 200 and result["ExecutedVersion"] == "$LATEST"
    assert result["Payload"]["got"] == {"itemId": "a"}


def test_a_tail_log_and_a_version_are_answered_as_lambda_does(sfn, echo) -> None:  # noqa: ANN001
    parameters = {"FunctionName": echo, "Qualifier": "1", "LogType": "Tail", "Payload": {}}
    done = run_sync(sfn, parameters, {})

    assert done["status"] == "SUCCEEDED", done
    result = json.loads(done["output"])
    assert set(result) == {"ExecutedVersion", "LogResult", "Payload", "StatusCode"}
    assert result["ExecutedVersion"] == "1"
    tail = base64.b64decode(result["LogResult"]).decode()
    request_id = result["Payload"]["requestId"]
    assert f"START RequestId: {request_id} Version: 1" in tail
    assert f"REPORT RequestId: {request_id}" in tail


def test_a_function_error_is_caught_by_its_error_type(sfn, lam) -> None:  # noqa: ANN001
    failing = deploy(lam, FAIL)
    catch = [{"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Caught"}]
    done = run_sync(sfn, {"FunctionName": failing, "Payload.$": "$"}, {"itemId": "x"}, Catch=catch)

    assert done["status"] == "SUCCEEDED", done
    error = json.loads(done["output"])["error"]
    assert error["Error"] == "ValueError"
    cause = json.loads(error["Cause"])
    assert cause["errorType"] == "ValueError"
    assert cause["errorMessage"] == "no such item: x"
    assert isinstance(cause["stackTrace"], list)


def test_an_unknown_function_fails_the_task_as_lambda_answers(sfn) -> None:  # noqa: ANN001
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{unique('missing')}"
    done = run_sync(sfn, {"FunctionName": arn}, {})

    assert done["status"] == "FAILED"
    assert done["error"] == "Lambda.ResourceNotFoundException"
    pattern = cause_pattern(
        "AWSLambda", f"Function not found: {arn}", 404, "ResourceNotFoundException"
    )
    assert re.fullmatch(pattern, done["cause"]), done["cause"]


def test_a_throttled_invoke_is_retried_then_caught(sfn, lam) -> None:  # noqa: ANN001
    throttled = deploy(lam, ECHO)
    lam.put_function_concurrency(FunctionName=throttled, ReservedConcurrentExecutions=0)
    name = "Lambda.TooManyRequestsException"
    task = {
        "Retry": [{"ErrorEquals": [name], "IntervalSeconds": 1, "MaxAttempts": 1}],
        "Catch": [{"ErrorEquals": [name], "ResultPath": "$.error", "Next": "Caught"}],
    }
    machine = sfn.create_state_machine(
        name=unique("throttled"),
        definition=one_task({"FunctionName": throttled}, **task),
        roleArn=ROLE,
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    deadline = time.monotonic() + 20
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not end"
        time.sleep(0.05)

    assert described["status"] == "SUCCEEDED", described
    error = json.loads(described["output"])["error"]
    assert error["Error"] == name
    assert re.fullmatch(
        cause_pattern("AWSLambda", "Rate Exceeded.", 429, "TooManyRequestsException"),
        error["Cause"],
    )
    events = sfn.get_execution_history(executionArn=execution)["events"]
    assert [e["type"] for e in events].count("TaskFailed") == 2  # the attempt and its retry


def test_the_roles_permission_is_checked_on_the_qualified_function(cloud, sfn, echo) -> None:  # noqa: ANN001
    iam = cloud.client("iam")
    role_name = unique("invoke-version-1")
    role = state_machine_role(iam, role_name, "lambda:InvokeFunction", f"{echo}:1")
    definition = one_task({"FunctionName": echo, "Qualifier.$": "$.qualifier"})

    def create() -> str:  # a new role is refused until it propagates, as on AWS
        return sfn.create_state_machine(
            name=unique("as-role"),
            definition=definition,
            roleArn=role,
            type="EXPRESS",
        )["stateMachineArn"]

    machine = until(lambda: unless_refused(create), seconds=20)
    run = functools.partial(sfn.start_sync_execution, stateMachineArn=machine)
    # A policy just put is in force a moment later.
    allowed = until(lambda: run(input='{"qualifier": "1"}')["status"] == "SUCCEEDED", seconds=20)
    denied = run(input='{"qualifier": "$LATEST"}')

    assert allowed
    # The role's last use is its session's call, as GetRole shows it.
    assert "LastUsedDate" in iam.get_role(RoleName=role_name)["Role"]["RoleLastUsed"]
    assert denied["status"] == "FAILED"
    assert denied["error"] == "Lambda.AccessDeniedException"
    message = (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/localcloud-states is not "
        f"authorized to perform: lambda:InvokeFunction on resource: {echo}:$LATEST because no "
        "identity-based policy allows the lambda:InvokeFunction action"
    )
    pattern = cause_pattern("AWSLambda", message, 403, "AccessDeniedException")
    assert re.fullmatch(pattern, denied["cause"]), denied["cause"]


SLOW = """
import time

def lambda_handler(event, context):
    time.sleep(event["sleep"])
    return "done"
"""


def test_a_declared_timeout_still_ends_a_task_that_runs_longer(sfn, lam) -> None:  # noqa: ANN001
    slow = deploy(lam, SLOW, Timeout=10)
    call = {"FunctionName": slow, "Payload.$": "$"}

    timed_out = run_sync(sfn, call, {"sleep": 3}, TimeoutSeconds=1)
    assert timed_out["status"] == "FAILED", timed_out
    assert timed_out["error"] == "States.Timeout"
    # Without TimeoutSeconds the task waits for its function, as long as it takes.
    assert run_sync(sfn, call, {"sleep": 1.5})["status"] == "SUCCEEDED"
