"""Small helpers: REPORT lines, execution histories, API events, the IAM propagation retry."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from workbook.events import api_event, proxy_answer
from workbook.iam_retry import retry_while_role_propagates
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


def test_other_errors_are_raised_at_once() -> None:
    def call() -> None:
        raise error("ResourceConflictException", "Function already exist")

    with pytest.raises(ClientError, match="already exist"):
        retry_while_role_propagates(call, sleep=lambda s: pytest.fail("no retry expected"))
