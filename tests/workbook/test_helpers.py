"""Small helpers: REPORT lines, execution histories, API events, the IAM propagation retry."""

from __future__ import annotations

import json
import os

import nbformat
import pytest
from botocore.exceptions import ClientError
from nbclient import NotebookClient

from workbook.events import api_event, proxy_answer
from workbook.iam_retry import retry_while_role_propagates, run_while_policy_propagates
from workbook.source import show_source
from workbook.stack import REPO_ROOT
from workbook.views import _report_fields, history_frame

REPORT = (
    "REPORT RequestId: 70f46dcc-147c-4e9b-9273-20192b7d68a9\tDuration: 0.50 ms\t"
    "Billed Duration: 1 ms\tMemory Size: 256 MB\tMax Memory Used: 81 MB\tInit Duration: 2.00 ms\t"
)


def test_report_fields_leave_out_init_duration() -> None:
    assert _report_fields(REPORT) == {
        "memory (MB)": 256,
        "duration": "0.50 ms",
        "billed": "1 ms",
        "max used": "81 MB",
    }


def test_history_rows_name_the_state_of_each_event() -> None:
    events = [
        {"id": 1, "type": "ExecutionStarted", "previousEventId": 0},
        {"id": 2, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Check"}},
        {
            "id": 3,
            "type": "TaskScheduled",
            "previousEventId": 2,
            "taskScheduledEventDetails": {"resourceType": "lambda", "resource": "invoke"},
        },
        {
            "id": 4,
            "type": "TaskFailed",
            "previousEventId": 3,
            "taskFailedEventDetails": {"error": "ItemUnavailable"},
        },
        {"id": 5, "type": "ExecutionFailed", "previousEventId": 4},
    ]
    frame = history_frame(list(reversed(events)))
    assert frame.to_dict("records") == [
        {"id": 1, "type": "ExecutionStarted", "state": "", "detail": ""},
        {"id": 2, "type": "TaskStateEntered", "state": "Check", "detail": ""},
        {"id": 3, "type": "TaskScheduled", "state": "Check", "detail": "lambda:invoke"},
        {"id": 4, "type": "TaskFailed", "state": "Check", "detail": "ItemUnavailable"},
        {"id": 5, "type": "ExecutionFailed", "state": "", "detail": ""},
    ]


def test_api_event_and_answer() -> None:
    event = api_event("POST", "/users", body={"name": "Ada"})
    assert (event["httpMethod"], event["path"], json.loads(event["body"])) == (
        "POST",
        "/users",
        {"name": "Ada"},
    )
    assert event["multiValueHeaders"]["Content-Type"] == ["application/json"]
    proxied = {"statusCode": 404, "headers": {}, "body": '{"message": "no"}'}
    assert proxy_answer(proxied) == {"statusCode": 404, "body": {"message": "no"}}
    assert proxy_answer({"result": "Available"}) == {"result": "Available"}


def error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateFunction")


def test_retries_while_the_role_is_not_yet_assumable() -> None:
    answers = [
        error(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        ),
        error("AccessDeniedException", "... is not authorized to assume the provided role."),
        "created",
    ]
    pauses: list[float] = []

    def call(**kwargs: object) -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retry_while_role_propagates(call, sleep=pauses.append, FunctionName="f") == "created"
    assert pauses == [1.0, 2.0]


def test_a_rate_quota_is_waited_out_like_propagation(capsys: pytest.CaptureFixture[str]) -> None:
    answers: list[object] = [
        error("BadRequestException", "The role ARN does not have required permissions set"),
        error("TooManyRequestsException", "Too Many Requests"),
        "updated",
    ]
    pauses: list[float] = []

    def call() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retry_while_role_propagates(call, sleep=pauses.append) == "updated"
    assert pauses == [1.0, 2.0]
    assert "Rate quota reached (TooManyRequestsException)" in capsys.readouterr().out


def test_other_errors_are_raised_at_once() -> None:
    def call() -> None:
        raise error("ResourceConflictException", "Function already exist")

    with pytest.raises(ClientError, match="already exist"):
        retry_while_role_propagates(call, sleep=lambda s: pytest.fail("no retry expected"))


def test_a_workflow_run_refused_by_a_new_policy_is_started_again() -> None:
    refused = {
        "status": "FAILED",
        "error": "Lambda.AWSLambdaException",
        "cause": "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: "
        "lambda:InvokeFunction on resource: f",
    }
    runs = [refused, refused, {"status": "SUCCEEDED", "output": "{}"}]
    pauses: list[float] = []
    run = run_while_policy_propagates(lambda **_: runs.pop(0), sleep=pauses.append, input="{}")
    assert run["status"] == "SUCCEEDED"
    assert pauses == [1.0, 2.0]


def test_a_workflow_run_that_fails_for_its_own_reasons_is_returned() -> None:
    out_of_stock = {"status": "FAILED", "error": "OutOfStock", "cause": "not enough coolant"}
    run = run_while_policy_propagates(
        lambda: out_of_stock, sleep=lambda s: pytest.fail("no retry expected")
    )
    assert run is out_of_stock


def test_a_handler_is_shown_from_its_file_with_a_link_that_opens_it() -> None:
    shown = show_source("lambdas/inventory_check/app.py", "lambda_handler").data
    assert shown.startswith(
        "[lambdas/inventory_check/app.py](../lambdas/inventory_check/app.py) (`lambda_handler`)"
    )
    assert "```python\n@" in shown  # from its first decorator
    assert "def lambda_handler(" in shown
    assert shown.rstrip().endswith("```")
    whole = show_source("statemachine.json").data
    assert '"StartAt"' in whole and "```json" in whole
    with pytest.raises(LookupError, match="no top-level function or class 'nothing'"):
        show_source("lambdas/inventory_check/app.py", "nothing")


def test_a_kernel_of_the_lab_says_to_run_from_the_top_after_a_restart() -> None:
    # A notebook whose first cell uses what an earlier cell (not run) would have defined.
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(s.prefix)")])
    env = {**os.environ, "IPYTHONDIR": str(REPO_ROOT / ".ipython")}  # as `make lab` sets it
    client = NotebookClient(notebook, kernel_name="python3", allow_errors=True, timeout=60)
    client.km = client.create_kernel_manager()
    client.start_new_kernel(env=env)
    try:
        client.start_new_kernel_client()
        client.execute_cell(notebook.cells[0], 0)
    finally:
        client._cleanup_kernel()
    text = "".join(o.get("text", "") for o in notebook.cells[0].outputs)
    assert "Run the notebook from the top" in text
    assert any(o.get("ename") == "NameError" for o in notebook.cells[0].outputs)
