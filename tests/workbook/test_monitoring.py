"""workbook.monitoring: logs, metrics, alarms and dashboards as tables and figures (notebook 07)."""

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
from botocore.exceptions import ClientError
from nbval.plugin import get_sanitize_patterns

from tests.localcloud.functions import ROLE, deploy
from workbook import mailbox, monitoring
from workbook.headless import NOTEBOOKS_DIR
from workbook.iam_retry import retry_while_role_propagates
from workbook.stack import assume_role_policy

# -- without a cloud ----------------------------------------------------------------------------


def test_widget_lines_become_queries() -> None:
    widget = monitoring.metric_widget(
        "Lambda",
        [
            ["AWS/Lambda", "Invocations", "FunctionName", "a", {"label": "A"}],
            [".", "Errors", ".", "."],
            ["...", "b"],
            ["AWS/States", "ExecutionTime", "StateMachineArn", "arn", {"stat": "p90", "period": 5}],
        ],
        region="us-east-1",
        stat="Sum",
        period=10,
    )
    queries = monitoring.widget_queries(widget)
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
    assert widget["properties"]["region"] == "us-east-1" and widget["type"] == "metric"


def test_totals_count_additive_statistics_only() -> None:
    data = pd.DataFrame(
        [("a", "Sum", 1.0), ("a", "Sum", 2.0), ("p", "p90", 50.0), ("n", "SampleCount", 3.0)],
        columns=["label", "stat", "value"],
    )
    assert monitoring.totals(data, ["b", "a"]).to_dict() == {"b": 0, "a": 3, "n": 3}


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
    lines["kind"] = lines["message"].map(monitoring._kind)
    assert lines["kind"].tolist() == ["platform", "log", "metrics", "text", "platform"]
    app = monitoring.code_logs(lines)
    assert app[["function", "level", "message", "order_id"]].to_dict("records") == [
        {"function": "f", "level": "INFO", "message": "Order placed", "order_id": "o-1"}
    ]
    assert app["time"].iloc[0] == pd.Timestamp("2026-11-27 09:20:30.337", tz="UTC")


STAMP = "2026-11-27 09:20:30,337+0000"  # Powertools Logger's timestamp format


def test_report_summary_gives_times_and_sizes_with_units() -> None:
    reports = pd.DataFrame(
        [
            ("f", 10.4, 11.0, 256, 80, 900.0, True),
            ("f", 2.0, 2.0, 256, 82, None, False),
            ("g", 5.0, 5.0, 128, 60, None, False),
        ],
        columns=[
            "function",
            "duration_ms",
            "billed_ms",
            "memory_mb",
            "max_used_mb",
            "init_ms",
            "cold_start",
        ],
    )
    summary = monitoring.report_summary(reports)
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


def test_wait_for_returns_the_first_answer_or_times_out() -> None:
    answers = iter([None, None, "ready"])
    assert monitoring.wait_for(lambda: next(answers), poll_s=0) == "ready"
    with pytest.raises(TimeoutError, match="the mail"):
        monitoring.wait_for(lambda: None, timeout_s=0, poll_s=0, what="the mail")


def test_policy_propagation_is_retried_other_errors_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(monitoring.time, "sleep", lambda _: None)
    not_yet = ClientError(
        {
            "Error": {
                "Code": "AccessDeniedException",
                "Message": "The state machine IAM Role is "
                "not authorized to access the Log Destination",
            }
        },
        "UpdateStateMachine",
    )
    calls = iter([not_yet, not_yet, "updated"])

    def call() -> str:
        answer = next(calls)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert monitoring.retry_while_policy_propagates(call) == "updated"
    other = ClientError({"Error": {"Code": "ValidationException", "Message": "no"}}, "X")
    with pytest.raises(ClientError):
        monitoring.retry_while_policy_propagates(lambda: (_ for _ in ()).throw(other))


def test_next_second_is_a_whole_second_that_has_come() -> None:
    started = datetime.now(UTC)
    second = monitoring.next_second()
    assert second.microsecond == 0 and started < second <= datetime.now(UTC)


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


def test_function_logs_and_reports(function: str) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    lam = boto3.client("lambda")
    for _ in range(2):
        lam.invoke(FunctionName=function)

    def all_lines() -> pd.DataFrame | None:
        found = monitoring.function_logs([function], since)
        return found if len(found) >= 10 else None

    lines = monitoring.wait_for(all_lines)  # logs arrive late, on AWS as here
    assert lines["kind"].value_counts().to_dict() == {"platform": 6, "log": 2, "text": 2}
    reports = monitoring.invocation_reports([function], since)
    assert reports["cold_start"].tolist() == [True, False]
    assert reports["memory_mb"].tolist() == [128, 128]
    assert reports["init_ms"].notna().tolist() == [True, False]
    assert monitoring.log_events("/no/such/group", since).empty


def test_widgets_are_drawn_with_their_totals(on_cloud: str) -> None:
    cloudwatch = boto3.client("cloudwatch")
    start = monitoring.next_second()
    namespace = f"Test/{on_cloud}"
    for value in (1, 2, 3):
        cloudwatch.put_metric_data(
            Namespace=namespace,
            MetricData=[{"MetricName": "Orders", "Value": value, "Unit": "Count"}],
        )
    widgets = [
        monitoring.metric_widget("Orders", [[namespace, "Orders"]], region="us-east-1", period=1),
        monitoring.metric_widget(
            "Largest", [[namespace, "Orders"]], region="us-east-1", stat="p90", period=1
        ),
    ]

    def all_datapoints() -> bool | None:
        data = monitoring.metric_data(
            monitoring.widget_queries(widgets[0]), start, datetime.now(UTC)
        )
        return True if data["value"].sum() == 6 else None

    monitoring.wait_for(all_datapoints)  # datapoints arrive late, on AWS as here
    figure, counts = monitoring.draw_widgets(widgets, start, datetime.now(UTC), columns=2)
    assert len(figure.axes) == 2 and [a.get_title() for a in figure.axes] == ["Orders", "Largest"]
    assert counts["Orders"].to_dict() == {"Orders": 6} and "Largest" not in counts
    data = monitoring.metric_data(monitoring.widget_queries(widgets[1]), start, datetime.now(UTC))
    assert data["value"].max() == 3

    name = f"{on_cloud}-dashboard"
    cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps({"widgets": widgets}))
    try:
        figure, counts = monitoring.draw_dashboard(name, start, datetime.now(UTC))
    finally:
        cloudwatch.delete_dashboards(DashboardNames=[name])
    assert figure.texts[0].get_text() == name and counts["Orders"].to_dict() == {"Orders": 6}


@pytest.fixture
def alarm_name(on_cloud: str) -> Iterator[str]:
    name = f"{on_cloud}-errors"
    yield name
    boto3.client("cloudwatch").delete_alarms(AlarmNames=[name])  # or it is evaluated forever


def test_alarm_states_are_waited_for_and_their_changes_listed(
    on_cloud: str, alarm_name: str
) -> None:
    cloudwatch = boto3.client("cloudwatch")
    namespace, name = f"Test/{on_cloud}", alarm_name
    since = datetime.now(UTC) - timedelta(seconds=1)
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace=namespace,
        MetricName="Errors",
        Statistic="Sum",
        Period=10,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    assert monitoring.wait_for_alarm_state(name, "OK", timeout_s=20) == {name: "OK"}
    sent = []

    def traffic() -> None:
        sent.append(
            cloudwatch.put_metric_data(
                Namespace=namespace, MetricData=[{"MetricName": "Errors", "Value": 1}]
            )
        )

    monitoring.wait_for_alarm_state([name], "ALARM", timeout_s=20, while_waiting=traffic)
    assert sent
    assert monitoring.alarm_states([name, "no-such-alarm"]) == {
        name: "ALARM",
        "no-such-alarm": "(no such alarm)",
    }
    changes = monitoring.state_changes([name], since)
    assert changes["change"].tolist() == ["INSUFFICIENT_DATA to OK", "OK to ALARM"]
    with pytest.raises(TimeoutError, match=name):
        monitoring.wait_for_alarm_state(name, "OK", timeout_s=0, poll_s=0)

    figure, _ = monitoring.draw_widgets(
        [monitoring.alarm_widget("Alarms", [f"arn:aws:cloudwatch:us-east-1:1:alarm:{name}"])],
        since,
        datetime.now(UTC),
    )
    assert [t.get_text() for t in figure.axes[0].texts] == ["ALARM", name]


def test_wait_for_mail_waits_for_the_count(on_cloud: str) -> None:
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"{on_cloud}-ops")["TopicArn"]
    address = f"{uuid.uuid4().hex[:8]}@example.com"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)
    mailbox.confirm_pending_subscriptions(topic)
    since = datetime.now(UTC)
    sns.publish(TopicArn=topic, Subject="one", Message="first")
    sns.publish(TopicArn=topic, Subject="two", Message="second")
    mail = monitoring.wait_for_mail(address, since, 2, timeout_s=10)
    assert sorted(mail["subject"]) == ["one", "two"]
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        monitoring.wait_for_mail(address, since, 3, timeout_s=0.5)
    assert time.monotonic() - started < 5
    sns.delete_topic(TopicArn=topic)
