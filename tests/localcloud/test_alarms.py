"""CloudWatch alarms on the local cloud: evaluation, history, and SNS email to the ops team."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from localcloud import alarms, seams
from tests.localcloud.functions import deploy


def wait_for(check: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return result


def subjects(cloud, to: str) -> list[str]:  # noqa: ANN001
    answer = requests.get(f"{cloud.endpoint_url}/_localcloud/mail", params={"to": to}, timeout=5)
    return [m["subject"] for m in answer.json()]


def test_errors_alarm_fires_and_clears_and_mails_ops(cloud) -> None:  # noqa: ANN001
    sns, cw, lam = cloud.client("sns"), cloud.client("cloudwatch"), cloud.client("lambda")
    ops_topic = sns.create_topic(Name=f"ops-{uuid.uuid4().hex[:8]}")["TopicArn"]
    ops = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    sns.subscribe(TopicArn=ops_topic, Protocol="email", Endpoint=ops)
    requests.post(
        f"{cloud.endpoint_url}/_localcloud/sns/confirm-pending", json={"topicArn": ops_topic}
    ).raise_for_status()
    function = deploy(lam, "def lambda_handler(event, context):\n    raise ValueError('boom')\n")
    name = f"{function}-errors"
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        Statistic="Sum",
        Period=10,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[ops_topic],
        OKActions=[ops_topic],
    )

    def state() -> dict[str, Any]:
        return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]

    # No data yet, treated as not breaching: the new alarm settles in OK.
    wait_for(lambda: state()["StateValue"] == "OK", 5)
    answer = lam.invoke(FunctionName=function, Payload=b"{}")
    assert answer["FunctionError"]

    alarm = wait_for(lambda: (a := state())["StateValue"] == "ALARM" and a, 10)
    assert alarm["StateReason"].startswith("Threshold Crossed: 1 datapoint [1.0 (")
    assert alarm["StateReason"].endswith(")] was greater than the threshold (0.0).")
    reason_data = json.loads(alarm["StateReasonData"])
    assert reason_data["recentDatapoints"] == [1.0] and reason_data["period"] == 10

    # The period with the error ends, then the next one (no errors): back to OK.
    alarm = wait_for(lambda: (a := state())["StateValue"] == "OK" and a, 25)
    assert "treated as [NonBreaching]" in alarm["StateReason"]

    mailed = wait_for(
        lambda: (
            (s := subjects(cloud, ops)).count(f'OK: "{name}" in US East (N. Virginia)') >= 2 and s
        ),
        5,
    )
    assert f'ALARM: "{name}" in US East (N. Virginia)' in mailed
    assert mailed.index(f'ALARM: "{name}" in US East (N. Virginia)') < len(mailed) - 1

    history = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")
    summaries = [h["HistorySummary"] for h in reversed(history["AlarmHistoryItems"])]
    assert summaries == [
        "Alarm updated from INSUFFICIENT_DATA to OK",
        "Alarm updated from OK to ALARM",
        "Alarm updated from ALARM to OK",
    ]
    to_alarm = json.loads(history["AlarmHistoryItems"][1]["HistoryData"])
    assert to_alarm["oldState"]["stateValue"] == "OK"
    assert to_alarm["newState"]["stateValue"] == "ALARM"


def test_alarm_notification_json_reaches_email_json_subscribers(cloud) -> None:  # noqa: ANN001
    sns, cw = cloud.client("sns"), cloud.client("cloudwatch")
    topic = sns.create_topic(Name=f"ops-json-{uuid.uuid4().hex[:8]}")["TopicArn"]
    to = f"robot-{uuid.uuid4().hex[:8]}@example.com"
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint=to)
    requests.post(
        f"{cloud.endpoint_url}/_localcloud/sns/confirm-pending", json={"topicArn": topic}
    ).raise_for_status()
    name = f"manual-{uuid.uuid4().hex[:8]}"
    cw.put_metric_alarm(
        AlarmName=name,
        AlarmDescription="Orders are failing",
        Namespace="Shop",
        MetricName="Failures",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"] == (
        "INSUFFICIENT_DATA"
    )
    # SetAlarmState runs the actions too, as on AWS (the usual way to test them).
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing the action")

    def notification() -> dict[str, Any] | None:
        answer = requests.get(f"{cloud.endpoint_url}/_localcloud/mail", params={"to": to})
        mails = [m for m in answer.json() if m["subject"].startswith("ALARM")]
        return json.loads(mails[0]["body"]) if mails else None

    document = wait_for(notification, 5)
    message = json.loads(document["Message"])
    assert message["AlarmName"] == name
    assert message["AlarmDescription"] == "Orders are failing"
    assert message["NewStateValue"] == "ALARM" and message["OldStateValue"] == "INSUFFICIENT_DATA"
    assert message["NewStateReason"] == "testing the action"
    assert message["Region"] == "US East (N. Virginia)"
    assert message["AWSAccountId"] == "123456789012"
    assert message["AlarmArn"].endswith(f":alarm:{name}")
    trigger = message["Trigger"]
    assert trigger["Statistic"] == "AVERAGE" and trigger["StatisticType"] == "Statistic"
    assert trigger["Period"] == 60 and trigger["Threshold"] == 5.0
    assert trigger["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert trigger["TreatMissingData"] == "missing"


# -- the evaluation rules, on synthetic datapoints --------------------------------------------

NOW = dt.datetime(2026, 11, 27, 9, 31, 5, tzinfo=dt.UTC)


def view(**changes: Any) -> seams.AlarmView:
    fields: dict[str, Any] = {
        "account_id": "123456789012",
        "region": "us-east-1",
        "name": "a",
        "arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a",
        "description": None,
        "namespace": "N",
        "metric_name": "M",
        "dimensions": {},
        "statistic": "Sum",
        "extended_statistic": None,
        "period": 10,
        "evaluation_periods": 3,
        "datapoints_to_alarm": 2,
        "threshold": 1.0,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": None,
        "unit": None,
        "evaluate_low_sample_count_percentile": None,
        "actions_enabled": True,
        "alarm_actions": (),
        "ok_actions": (),
        "insufficient_data_actions": (),
        "state_value": "OK",
        "state_reason": "",
        "state_reason_data": "{}",
        "uses_metric_math": False,
    }
    return seams.AlarmView(**{**fields, **changes})


def points(*values: float | None) -> list[alarms.Point]:
    """Newest first, one per 10 s period ending at NOW's period."""
    start = NOW.replace(second=0)
    return [
        alarms.Point(start - dt.timedelta(seconds=10 * i), v, 0 if v is None else 1)
        for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("values", "treat", "expected"),
    [
        ((5.0, 5.0, 0.0), None, "ALARM"),  # 2 of 3 breaching
        ((5.0, 0.0, 0.0), None, "OK"),
        ((None, None, None), None, "INSUFFICIENT_DATA"),
        ((None, None, None), "notBreaching", "OK"),
        ((None, None, None), "breaching", "ALARM"),
        ((None, None, None), "ignore", None),  # keeps its state
        ((5.0, None, None), "breaching", "ALARM"),
        ((5.0, None, None), "notBreaching", "OK"),
    ],
)
def test_m_of_n_and_missing_data(values, treat, expected) -> None:  # noqa: ANN001
    verdict = alarms.judge(view(treat_missing_data=treat), points(*values), NOW)
    assert (verdict.state if verdict else None) == expected


def test_reason_text_is_awss() -> None:
    verdict = alarms.judge(view(), points(5.0, 3.0, 0.0), NOW)
    assert verdict.reason == (
        "Threshold Crossed: 2 out of the last 3 datapoints [5.0 (27/11/26 09:31:00), "
        "3.0 (27/11/26 09:30:50)] were greater than the threshold (1.0) "
        "(minimum 2 datapoints for OK -> ALARM transition)."
    )


@pytest.mark.parametrize(
    ("statistic", "expected"),
    [("Sum", 10.0), ("Average", 2.5), ("Minimum", 1.0), ("Maximum", 4.0), ("SampleCount", 4.0)],
)
def test_statistics(statistic: str, expected: float) -> None:
    datums = [
        seams.Datum(NOW, {}, None, (float(v),), float(v), float(v), float(v), 1.0)
        for v in (1, 2, 3, 4)
    ]
    assert alarms.statistic_value(datums, statistic) == expected


def test_percentile() -> None:
    datums = [
        seams.Datum(NOW, {}, None, (float(v),), float(v), float(v), float(v), 1.0)
        for v in range(1, 101)
    ]
    assert alarms.statistic_value(datums, "p90") == 90.0
    assert alarms.statistic_value(datums, "p100") == 100.0
