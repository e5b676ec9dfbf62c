"""workbook.monitoring: CloudWatch's answers as tables, and the waits of notebook 07."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import boto3
import pandas as pd
import pytest
from nbval.plugin import get_sanitize_patterns

from tests.localcloud.functions import ROLE, deploy
from workbook import mailbox, monitoring, polling
from workbook.headless import NOTEBOOKS_DIR
from workbook.iam_retry import retry_while_role_propagates
from workbook.stack import assume_role_policy

# -- without a cloud ----------------------------------------------------------------------------


def test_widget_lines_become_queries() -> None:
    graph = {
        "title": "Lambda",
        "stat": "Sum",
        "period": 10,
        "metrics": [
            ["AWS/Lambda", "Invocations", "FunctionName", "a", {"label": "A"}],
            [".", "Errors", ".", "."],
            ["...", "b"],
            ["AWS/States", "ExecutionTime", "StateMachineArn", "arn", {"stat": "p90", "period": 5}],
        ],
    }
    queries = monitoring.widget_queries(graph)
    assert [q["Id"] for q in queries] == ["m0", "m1", "m2", "m3"]
    assert [q["Label"] for q in queries] == ["A", "Errors a", "Errors b", "ExecutionTime arn"]
    assert queries[1]["MetricStat"] == {
        "Metric": {
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Dimensions": [{"Name": "FunctionName", "Value": "a"}],
        },
        "Period": 10,
        "Stat": "Sum",
    }
    assert queries[2]["MetricStat"]["Metric"]["Dimensions"][0]["Value"] == "b"
    assert (queries[3]["MetricStat"]["Stat"], queries[3]["MetricStat"]["Period"]) == ("p90", 5)
    # CloudWatch's defaults: Average over 300 s.
    (default,) = monitoring.widget_queries({"metrics": [["N", "M"]]})
    assert (default["MetricStat"]["Stat"], default["MetricStat"]["Period"]) == ("Average", 300)


def test_metric_sums_total_each_result_by_label() -> None:
    answer = {
        "MetricDataResults": [
            {"Id": "m0", "Label": "placed", "Values": [1.0, 2.0, 3.0]},
            {"Id": "m1", "Label": "rejected", "Values": []},
        ]
    }
    assert monitoring.metric_sums(answer).to_dict() == {"placed": 6, "rejected": 0}


def test_times_are_written_as_cloudwatch_writes_them() -> None:
    moment = datetime(2026, 12, 1, 16, 32, 29, 123456, tzinfo=UTC)
    assert monitoring.aws_time(moment) == "2026-12-01T16:32:29.123Z"


def test_log_pages_become_one_table_oldest_first() -> None:
    pages = [
        {"events": [{"timestamp": 2000, "logStreamName": "b", "message": "second"}]},
        {"events": [{"timestamp": 1000, "logStreamName": "a", "message": "first"}]},
    ]
    frame = monitoring.log_frame(pages)
    assert frame["message"].tolist() == ["first", "second"]
    assert frame["time"].iloc[0] == pd.Timestamp("1970-01-01 00:00:01", tz="UTC")
    assert monitoring.log_frame([]).columns.tolist() == ["time", "stream", "message"]


def test_log_lines_are_sorted_by_kind_and_json_spreads_into_columns() -> None:
    logged = json.dumps(
        {"level": "INFO", "message": "Order placed", "order_id": "o-1", "timestamp": STAMP}
    )
    lines = pd.DataFrame(
        {
            "time": pd.to_datetime([1, 2, 3, 4, 5], unit="s", utc=True),
            "function": "f",
            "message": [
                "START RequestId: r Version: $LATEST",
                logged,
                json.dumps({"_aws": {"Timestamp": 1}, "OrdersPlaced": [1]}),
                "/opt/python/x.py:1: UserWarning: No application metrics to publish",
                "REPORT RequestId: r\tDuration: 1.00 ms",
            ],
        }
    )
    lines["kind"] = lines["message"].map(monitoring.line_kind)
    assert lines["kind"].tolist() == ["platform", "log", "metrics", "text", "platform"]
    app = monitoring.code_logs(lines)
    assert app[["function", "level", "message", "order_id"]].to_dict("records") == [
        {"function": "f", "level": "INFO", "message": "Order placed", "order_id": "o-1"}
    ]
    assert app["time"].iloc[0] == pd.Timestamp("2026-11-27 09:20:30.337", tz="UTC")


STAMP = "2026-11-27 09:20:30,337+0000"  # Powertools Logger's timestamp format
REPORT = (
    "REPORT RequestId: r\tDuration: 10.40 ms\tBilled Duration: 11 ms\tMemory Size: 256 MB\t"
    "Max Memory Used: 80 MB\tInit Duration: 900.00 ms"
)


def test_report_lines_become_numbers_and_a_summary_with_units() -> None:
    warm = REPORT.replace("\tInit Duration: 900.00 ms", "").replace("10.40", "2.00")
    reports = pd.DataFrame(
        {
            "function": ["f", "f", "g"],
            "message": [REPORT, warm.replace("80 MB", "82 MB"), warm.replace("256", "128")],
        }
    )
    table = monitoring.report_table(reports)
    assert table.iloc[0].to_dict() == {
        "function": "f",
        "duration_ms": 10.4,
        "billed_ms": 11.0,
        "memory_mb": 256,
        "max_used_mb": 80,
        "init_ms": 900.0,
        "cold_start": True,
    }
    assert table["cold_start"].tolist() == [True, False, False]
    summary = monitoring.report_summary(table)
    assert summary.loc["f"].to_dict() == {
        "invocations": 2,
        "cold starts": 1,
        "median": "6 ms",
        "slowest": "10 ms",
        "init (cold)": "900 ms",
        "memory": "256 MB",
        "max used": "82 MB",
    }
    assert summary.loc["g", "init (cold)"] == "-"


def test_next_second_is_a_whole_second_that_has_come() -> None:
    started = datetime.now(UTC)
    second = monitoring.next_second()
    assert second.microsecond == 0 and started < second <= datetime.now(UTC)


def test_period_after_waits_while_the_period_in_progress_holds_the_moment() -> None:
    moment = datetime.now(UTC)
    answer = monitoring.period_after(moment, 2)
    begins = datetime.fromtimestamp((int(moment.timestamp()) // 2 + 1) * 2, UTC)
    assert begins <= answer <= datetime.now(UTC)  # it waited for the next period to begin


def test_period_after_does_not_wait_once_a_later_period_is_in_progress() -> None:
    moment = datetime.now(UTC) - timedelta(seconds=25)
    started = time.monotonic()
    answer = monitoring.period_after(moment, 10)
    assert time.monotonic() - started < 0.1
    assert answer <= datetime.now(UTC)
    assert answer.timestamp() // 10 > moment.timestamp() // 10


def test_trace_ids_are_masked_for_nbval() -> None:
    patterns = get_sanitize_patterns((NOTEBOOKS_DIR / "sanitize.cfg").read_text())

    def sanitize(text: str) -> str:
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return text

    assert sanitize("traced as ['1-6b094ce9-57df5d81f4b146678267df4f']") == (
        "traced as ['<TRACE_ID>']"
    )
    assert sanitize("order 1-2 of 3, 1-6b094ce9") == "order 1-2 of 3, 1-6b094ce9"


# -- on the test session's local cloud -----------------------------------------------------------

ACCOUNT_ID = ROLE.split(":")[4]
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LOGGING = f"""
import json

def lambda_handler(event, context):
    print(json.dumps({{"level": "INFO", "message": "hello", "timestamp": "{STAMP}"}}))
    print("plain text")
    return "ok"
"""


@pytest.fixture
def function(on_cloud: str) -> str:
    iam = boto3.client("iam")
    trust = json.dumps(assume_role_policy("lambda.amazonaws.com", ACCOUNT_ID))
    with suppress(iam.exceptions.EntityAlreadyExistsException):  # made by another test
        iam.create_role(RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=trust)
    # Logs are written with the execution role: it needs AWS's basic execution policy.
    iam.attach_role_policy(RoleName=ROLE.rsplit("/", 1)[1], PolicyArn=BASIC_EXECUTION)
    # A new role (and a policy just attached) takes a moment to reach Lambda, as on AWS.
    return retry_while_role_propagates(
        deploy, boto3.client("lambda"), LOGGING, name=f"{on_cloud}-logging"
    )


def test_a_functions_log_read_as_notebook_07_reads_it(function: str) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    lam, logs = boto3.client("lambda"), boto3.client("logs")
    for _ in range(2):
        lam.invoke(FunctionName=function)
    query = {"logGroupName": f"/aws/lambda/{function}", "startTime": int(since.timestamp() * 1000)}

    def all_lines() -> pd.DataFrame | None:
        lines = monitoring.log_frame(polling.every_page(logs.filter_log_events, **query))
        return lines if len(lines) >= 10 else None

    lines = polling.wait_for(all_lines)  # logs arrive late, on AWS as here
    assert lines["message"].map(monitoring.line_kind).value_counts().to_dict() == {
        "platform": 6,
        "log": 2,
        "text": 2,
    }
    pattern = '"REPORT RequestId"'
    reports = monitoring.log_frame(
        polling.every_page(logs.filter_log_events, **query, filterPattern=pattern)
    )
    table = monitoring.report_table(reports.assign(function=function))
    assert table["cold_start"].tolist() == [True, False]
    assert table["memory_mb"].tolist() == [128, 128]


def test_a_graphs_lines_are_read_back_and_summed(on_cloud: str) -> None:
    cloudwatch = boto3.client("cloudwatch")
    start = monitoring.next_second()
    namespace = f"Test/{on_cloud}"
    for value in (1, 2, 3):
        cloudwatch.put_metric_data(
            Namespace=namespace,
            MetricData=[{"MetricName": "Orders", "Value": value, "Unit": "Count"}],
        )
    graph = {"stat": "Sum", "period": 1, "metrics": [[namespace, "Orders", {"label": "orders"}]]}

    def summed() -> pd.Series | None:
        answer = cloudwatch.get_metric_data(
            MetricDataQueries=monitoring.widget_queries(graph),
            StartTime=start,
            EndTime=datetime.now(UTC) + timedelta(seconds=1),
        )
        sums = monitoring.metric_sums(answer)
        return sums if sums["orders"] == 6 else None

    # Datapoints arrive late, on AWS as here: the wait ends when all three are in.
    assert polling.wait_for(summed).to_dict() == {"orders": 6}


@pytest.fixture
def on_call(on_cloud: str) -> Iterator[tuple[str, str]]:
    """A topic and a confirmed email subscriber: (topic ARN, address)."""
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"{on_cloud}-ops")["TopicArn"]
    address = f"{uuid.uuid4().hex[:8]}@example.com"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)
    mailbox.confirm_pending_subscriptions(topic)
    yield topic, address
    sns.delete_topic(TopicArn=topic)


def test_mail_about_some_alarms_is_waited_for_and_shown_whole(
    on_call: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    topic, address = on_call
    sns = boto3.client("sns")
    since = datetime.now(UTC)
    for subject in ('ALARM: "a-errors"', 'ALARM: "other"', 'OK: "a-errors"'):
        sns.publish(TopicArn=topic, Subject=subject, Message=f"{subject}\n\nline two")
    mail = monitoring.wait_for_mail(address, since, ["a-errors"], 2, timeout_s=10)
    assert mail["subject"].tolist() == ['ALARM: "a-errors"', 'OK: "a-errors"']
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        monitoring.wait_for_mail(address, since, ["a-errors"], 3, timeout_s=0.5)
    assert time.monotonic() - started < 5

    monitoring.show_email(address, since, '"a-errors"')
    shown = capsys.readouterr().out
    assert shown.startswith(f'To: {address}\nSubject: ALARM: "a-errors"\n\n')
    assert '"a-errors"\n\nline two' in shown  # whole, with its line breaks
    with pytest.raises(LookupError):
        monitoring.show_email(address, since, "no such subject")
