"""JSON filter patterns on the local cloud: FilterLogEvents keeps only the lines they match."""

import json
import time

import boto3
import pytest
from moto import mock_aws

from localcloud.seams.log_filters import install_json_filter_patterns, json_pattern

LINE = {"level": "ERROR", "correlation_id": "abc-1", "ms": 120, "ok": False, "tags": ["a", "b"]}
MESSAGE = json.dumps(LINE)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ $.correlation_id = "abc-1" }', True),
        ('{ $.correlation_id = "abc-2" }', False),
        ("{ $.correlation_id = abc* }", True),
        ('{ $.level != "INFO" }', True),
        ("{ $.missing != INFO }", False),
        ("{ $.ms > 100 && $.ms <= 120 }", True),
        ("{ $.ms = 120.0 }", True),
        ('{ ($.ms < 100 || $.level = "ERROR") && $.ok IS FALSE }', True),
        ('{ $.level = "INFO" || $.ms < 100 }', False),
        ('{ $.tags[1] = "b" }', True),
        ("{ $.missing NOT EXISTS }", True),
        ("{ $.level IS NULL }", False),
    ],
)
def test_json_patterns_select_by_field(pattern: str, expected: bool) -> None:
    assert json_pattern(pattern)(MESSAGE) is expected


def test_lines_that_are_not_json_objects_never_match() -> None:
    matches = json_pattern('{ $.level = "ERROR" }')
    assert not matches("START RequestId: 1 Version: $LATEST")
    assert not matches("[1, 2]")


def test_other_patterns_are_left_to_moto() -> None:
    assert json_pattern('"REPORT RequestId"') is None


@mock_aws
def test_filter_log_events_keeps_only_the_request_s_lines() -> None:
    install_json_filter_patterns()
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    now = int(time.time() * 1000)
    lines = ["START RequestId: 1", MESSAGE, json.dumps({**LINE, "correlation_id": "x"}), "END"]
    logs.put_log_events(
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(lines)],
    )
    found = logs.filter_log_events(logGroupName="g", filterPattern='{ $.correlation_id = "abc-1" }')
    assert [e["message"] for e in found["events"]] == [MESSAGE]
    found = logs.filter_log_events(logGroupName="g", filterPattern='"RequestId"')
    assert [e["message"] for e in found["events"]] == ["START RequestId: 1"]
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName="g", filterPattern="{ $.ms > abc }")


def test_the_filter_seam_exists() -> None:
    import inspect

    from moto.logs import models

    from localcloud.seams.patching import original

    # seams/log_filters.py subclasses it: constructed with the pattern, asked `matches(message)`.
    moto_filter = original(models, "EventMessageFilter")
    assert list(inspect.signature(moto_filter.__init__).parameters) == ["self", "pattern"]
    assert callable(moto_filter.matches)
