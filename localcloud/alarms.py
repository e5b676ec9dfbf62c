"""CloudWatch metric alarms that fire: evaluation, state history and SNS actions.

A thread evaluates every metric alarm each `LOCALCLOUD_ALARM_INTERVAL_S` seconds (default 2)
against the local CloudWatch datapoints. Windows are aligned to multiples of the alarm's period
(as CloudWatch aligns them). AWS evaluates only complete periods, a minute or more late; here
the period in progress counts too once it has data, so a local demo fires within seconds of the
event (see `datapoints`). State changes, whoever makes them (this evaluator or
SetAlarmState), are recorded for DescribeAlarmHistory and run the alarm's SNS actions with
AWS's notification message.

Not evaluated: metric math and anomaly detection alarms (`Metrics`), composite alarms, and
extended statistics other than percentiles (pNN); EvaluateLowSampleCountPercentile is treated
as `evaluate`. With TreatMissingData `missing`, a partly empty range is judged on the
datapoints present (AWS may look further back to find enough).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import operator
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localcloud import seams

INTERVAL_ENV = "LOCALCLOUD_ALARM_INTERVAL_S"
log = logging.getLogger(__name__)

OPERATORS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
STATISTIC_NAMES = {
    "Sum": "SUM",
    "Average": "AVERAGE",
    "Minimum": "MINIMUM",
    "Maximum": "MAXIMUM",
    "SampleCount": "SAMPLE_COUNT",
}
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-north-1": "EU (Stockholm)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "sa-east-1": "South America (Sao Paulo)",
    "ca-central-1": "Canada (Central)",
}
ALARM, OK, INSUFFICIENT = "ALARM", "OK", "INSUFFICIENT_DATA"


@dataclass(frozen=True)
class Point:
    """One evaluated period: its start and the statistic's value (None: no data)."""

    start: dt.datetime
    value: float | None
    sample_count: float


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str
    reason_data: dict[str, Any]


def aws_time(moment: dt.datetime) -> str:
    """CloudWatch's timestamp format in reasons and notifications: 2026-11-27T09:31:00.000+0000."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def statistic_value(datums: list[seams.Datum], statistic: str) -> float | None:
    """A statistic (Sum, Average, ..., or a percentile like p99) over a period's datapoints."""
    if not datums:
        return None
    if statistic.startswith("p"):
        values = sorted(v for d in datums for v in d.values)
        if not values:
            return None  # percentiles need raw values, not statistic sets
        rank = math.ceil(float(statistic[1:]) / 100 * len(values))
        return values[min(max(rank, 1), len(values)) - 1]
    count = sum(d.sample_count for d in datums)
    if statistic == "SampleCount":
        return count
    if statistic == "Sum":
        return sum(d.sum for d in datums)
    if statistic == "Average":
        return sum(d.sum for d in datums) / count if count else None
    if statistic == "Minimum":
        return min(d.minimum for d in datums)
    if statistic == "Maximum":
        return max(d.maximum for d in datums)
    return None


def evaluable(alarm: seams.AlarmView) -> bool:
    statistic = alarm.extended_statistic or alarm.statistic or ""
    return (
        not alarm.uses_metric_math
        and bool(alarm.namespace and alarm.metric_name)
        and alarm.comparison_operator in OPERATORS
        and alarm.threshold is not None
        and (statistic in STATISTIC_NAMES or _is_percentile(statistic))
    )


def _is_percentile(statistic: str) -> bool:
    try:
        return statistic.startswith("p") and 0 <= float(statistic[1:]) <= 100
    except ValueError:
        return False


def datapoints(alarm: seams.AlarmView, now: dt.datetime) -> list[Point]:
    """The alarm's evaluation range, newest period first.

    The range ends with the period in progress if it has data already, else with the last
    complete period (the one AWS would evaluate): so a datapoint counts as soon as it arrives,
    and still once its period is complete, however late in the period it came.
    """
    period = alarm.period
    newest = int(now.timestamp()) // period * period
    starts = [newest - i * period for i in range(alarm.evaluation_periods + 1)]
    oldest = dt.datetime.fromtimestamp(starts[-1], dt.UTC)
    datums = [
        d
        for d in seams.metric_datums(
            alarm.account_id, alarm.region, alarm.namespace or "", alarm.metric_name or "", oldest
        )
        # An alarm watches exactly one metric: the same set of dimensions, not a subset.
        if d.dimensions == alarm.dimensions and (alarm.unit is None or d.unit == alarm.unit)
    ]
    statistic = alarm.extended_statistic or alarm.statistic or "Sum"
    points = []
    for start in starts:
        inside = [d for d in datums if start <= d.timestamp.timestamp() < start + period]
        points.append(
            Point(
                dt.datetime.fromtimestamp(start, dt.UTC),
                statistic_value(inside, statistic),
                sum(d.sample_count for d in inside),
            )
        )
    return points[:-1] if points[0].value is not None else points[1:]


def judge(alarm: seams.AlarmView, points: list[Point], now: dt.datetime) -> Verdict | None:
    """The state the datapoints call for, with AWS's reason text; None keeps the state."""
    compare, words = OPERATORS[alarm.comparison_operator]
    threshold = float(alarm.threshold or 0.0)
    n = alarm.evaluation_periods
    m = alarm.datapoints_to_alarm or n
    treat = alarm.treat_missing_data or "missing"
    present = [p for p in points if p.value is not None]
    missing = n - len(present)
    breaching = [p for p in present if compare(p.value, threshold)]
    fine = [p for p in present if not compare(p.value, threshold)]
    data = _reason_data(alarm, points, now)

    if not present:
        if treat == "ignore":
            return None
        if treat == "missing":
            return Verdict(INSUFFICIENT, f"Insufficient Data: {_count(n)} {_was(n)} unknown.", data)
        as_breaching = treat == "breaching"
        label = "Breaching" if as_breaching else "NonBreaching"
        reason = (
            f"Threshold Crossed: no datapoints were received for {n} period{_s(n)} and "
            f"{_count(n, 'missing datapoint')} {_was(n)} treated as [{label}]."
        )
        return Verdict(ALARM if as_breaching else OK, reason, data)

    breach_count = len(breaching) + (missing if treat == "breaching" else 0)
    state = ALARM if breach_count >= m else OK
    listed = breaching if state == ALARM else fine
    values = ", ".join(f"{p.value!r} ({p.start.strftime('%d/%m/%y %H:%M:%S')})" for p in listed)
    transition = f"{alarm.state_value} -> {state}"
    if state == ALARM and n == 1:
        reason = f"1 datapoint [{values}] was {words} the threshold ({threshold!r})."
    elif state == ALARM:
        reason = (
            f"{breach_count} out of the last {n} datapoints [{values}] {_was(breach_count)} "
            f"{words} the threshold ({threshold!r}) (minimum {_count(m)} for {transition} "
            "transition)."
        )
    elif listed and n == 1:
        reason = f"1 datapoint [{values}] was not {words} the threshold ({threshold!r})."
    elif listed:
        reason = (
            f"{_count(len(listed))} [{values}] {_was(len(listed))} not {words} the threshold "
            f"({threshold!r}) (minimum 1 datapoint for {transition} transition)."
        )
    else:
        reason = (
            f"{breach_count} out of the last {n} datapoints {_was(breach_count)} {words} the "
            f"threshold ({threshold!r}), fewer than the minimum {_count(m)} for an ALARM."
        )
    return Verdict(state, f"Threshold Crossed: {reason}", data)


def _reason_data(alarm: seams.AlarmView, points: list[Point], now: dt.datetime) -> dict[str, Any]:
    data: dict[str, Any] = {"version": "1.0", "queryDate": aws_time(now)}
    data["startDate"] = aws_time(points[-1].start)
    if alarm.unit:
        data["unit"] = alarm.unit
    if alarm.extended_statistic:
        data["extendedStatistic"] = alarm.extended_statistic
    else:
        data["statistic"] = alarm.statistic
    data["period"] = alarm.period
    data["recentDatapoints"] = [p.value for p in reversed(points) if p.value is not None]
    data["threshold"] = alarm.threshold
    data["evaluatedDatapoints"] = [
        {"timestamp": aws_time(p.start), "sampleCount": p.sample_count, "value": p.value}
        if p.value is not None
        else {"timestamp": aws_time(p.start)}
        for p in points
    ]
    return data


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _count(n: int, noun: str = "datapoint") -> str:
    return f"{n} {noun}{_s(n)}"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


class AlarmEvaluator:
    """Evaluates alarms in a thread; keeps their history and runs their actions."""

    def __init__(self, interval_s: float | None = None) -> None:
        self.interval_s = interval_s or float(os.environ.get(INTERVAL_ENV, "2"))
        self.history: list[dict[str, Any]] = []  # every account's, oldest first
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def install(self) -> None:
        seams.install_alarm_hooks(
            seams.AlarmHooks(
                state_changed=self.state_changed,
                configured=self.configured,
                history=self.history_items,
            )
        )

    def start(self) -> None:
        threading.Thread(target=self._run, name="alarm-evaluator", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()

    def _run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            self.evaluate_all(dt.datetime.now(dt.UTC))

    def evaluate_all(self, now: dt.datetime) -> None:
        for alarm in seams.iter_alarms():
            try:
                self.evaluate(alarm, now)
            except Exception:  # one broken alarm must not stop the others' evaluation
                log.exception("evaluating alarm %s", alarm.arn)

    def evaluate(self, alarm: seams.AlarmView, now: dt.datetime) -> None:
        if not evaluable(alarm):
            return
        verdict = judge(alarm, datapoints(alarm, now), now)
        if verdict is None or verdict.state == alarm.state_value:
            return
        seams.set_alarm_state(
            alarm.account_id,
            alarm.region,
            alarm.name,
            verdict.state,
            verdict.reason,
            json.dumps(verdict.reason_data),
        )

    # -- hooks ------------------------------------------------------------------------------

    def state_changed(self, alarm: seams.AlarmView, old_state: str, old_reason: str) -> None:
        now = dt.datetime.now(dt.UTC)
        new_state: dict[str, Any] = {
            "stateValue": alarm.state_value,
            "stateReason": alarm.state_reason,
        }
        if alarm.state_reason_data and alarm.state_reason_data != "{}":
            new_state["stateReasonData"] = json.loads(alarm.state_reason_data)
        self._record(
            alarm,
            "StateUpdate",
            f"Alarm updated from {old_state} to {alarm.state_value}",
            {
                "version": "1.0",
                "oldState": {"stateValue": old_state, "stateReason": old_reason},
                "newState": new_state,
            },
            now,
        )
        if not alarm.actions_enabled:
            return
        actions = {
            ALARM: alarm.alarm_actions,
            OK: alarm.ok_actions,
            INSUFFICIENT: alarm.insufficient_data_actions,
        }[alarm.state_value]
        for action in actions:
            self._run_action(alarm, action, old_state, now)

    def configured(self, alarm: seams.AlarmView, created: bool) -> None:
        kind = "Create" if created else "Update"
        self._record(
            alarm,
            "ConfigurationUpdate",
            f'Alarm "{alarm.name}" {"created" if created else "updated"}',
            {"type": kind, "version": "1.0", f"{kind.lower()}dAlarm": _describe(alarm)},
            dt.datetime.now(dt.UTC),
        )

    def history_items(
        self, account_id: str, region: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = params.get("AlarmName")
        item_type = params.get("HistoryItemType")
        start, end = _as_time(params.get("StartDate")), _as_time(params.get("EndDate"))
        with self.lock:
            items = [
                h
                for h in self.history
                if h["_account"] == account_id
                and h["_region"] == region
                and (not name or h["AlarmName"] == name)
                and (not item_type or h["HistoryItemType"] == item_type)
                and (start is None or h["Timestamp"] >= start)
                and (end is None or h["Timestamp"] <= end)
            ]
        if params.get("ScanBy", "TimestampDescending") == "TimestampDescending":
            items.reverse()
        limit = int(params.get("MaxRecords") or 100)
        return [{k: v for k, v in h.items() if not k.startswith("_")} for h in items[:limit]]

    # -- internals --------------------------------------------------------------------------

    def _record(
        self,
        alarm: seams.AlarmView,
        item_type: str,
        summary: str,
        data: dict[str, Any],
        when: dt.datetime,
    ) -> None:
        with self.lock:
            self.history.append(
                {
                    "_account": alarm.account_id,
                    "_region": alarm.region,
                    "AlarmName": alarm.name,
                    "AlarmType": "MetricAlarm",
                    "Timestamp": when,
                    "HistoryItemType": item_type,
                    "HistorySummary": summary,
                    "HistoryData": json.dumps(data),
                }
            )

    def _run_action(
        self, alarm: seams.AlarmView, action: str, old_state: str, now: dt.datetime
    ) -> None:
        parts = action.split(":")
        if len(parts) < 6 or parts[2] != "sns":
            self._record(
                alarm,
                "Action",
                f"Failed to execute action {action}. Received error: "
                "the local cloud runs SNS alarm actions only",
                {"actionState": "Failed", "notificationResource": action},
                now,
            )
            return
        subject = f'{alarm.state_value}: "{alarm.name}" in {_region_name(alarm.region)}'
        document = notification(alarm, old_state, now)
        message = json.dumps({"default": json.dumps(document), "email": email_text(document)})
        try:
            message_id = seams.sns_publish(
                parts[4], parts[3], action, message, subject[:100], message_structure="json"
            )
        except Exception as error:  # the topic may be gone: AWS records the failure
            self._record(
                alarm,
                "Action",
                f"Failed to execute action {action}. Received error: {error}",
                {"actionState": "Failed", "notificationResource": action},
                now,
            )
            return
        self._record(
            alarm,
            "Action",
            f"Successfully executed action {action}",
            {
                "actionState": "Succeeded",
                "stateUpdateTimestamp": int(now.timestamp() * 1000),
                "notificationResource": action,
                "publishedMessage": {"messageId": message_id},
            },
            now,
        )


def notification(alarm: seams.AlarmView, old_state: str, now: dt.datetime) -> dict[str, Any]:
    """The JSON document CloudWatch publishes to an alarm's SNS topics."""
    if alarm.extended_statistic:
        statistic = {
            "StatisticType": "ExtendedStatistic",
            "ExtendedStatistic": alarm.extended_statistic,
        }
    else:
        statistic = {
            "StatisticType": "Statistic",
            "Statistic": STATISTIC_NAMES.get(alarm.statistic or "", alarm.statistic),
        }
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description or None,
        "AWSAccountId": alarm.account_id,
        "AlarmConfigurationUpdatedTimestamp": aws_time(now),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": aws_time(now),
        "Region": _region_name(alarm.region),
        "AlarmArn": alarm.arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            **statistic,
            "Unit": alarm.unit,
            "Dimensions": [{"value": v, "name": k} for k, v in alarm.dimensions.items()],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm or alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }


def email_text(document: dict[str, Any]) -> str:
    """The human-readable version CloudWatch sends to email subscribers."""
    trigger = document["Trigger"]
    changed = dt.datetime.strptime(document["StateChangeTime"], "%Y-%m-%dT%H:%M:%S.%f%z")
    when = changed.strftime("%A %d %B, %Y %H:%M:%S UTC")
    region_code = document["AlarmArn"].split(":")[3]
    dims = ", ".join(f"{d['name']} = {d['value']}" for d in trigger["Dimensions"])
    statistic = trigger.get("Statistic") or trigger.get("ExtendedStatistic")
    return "\n".join(
        [
            f'You are receiving this email because your Amazon CloudWatch Alarm "'
            f'{document["AlarmName"]}" in the {document["Region"]} region has entered the '
            f'{document["NewStateValue"]} state, because "{document["NewStateReason"]}" at '
            f'"{when}".',
            "",
            "View this alarm in the AWS Management Console:",
            f"https://{region_code}.console.aws.amazon.com/cloudwatch/deeplink.js?region="
            f"{region_code}#alarmsV2:alarm/{document['AlarmName']}",
            "",
            "Alarm Details:",
            f"- Name:                       {document['AlarmName']}",
            f"- Description:                {document['AlarmDescription'] or ''}",
            f"- State Change:               {document['OldStateValue']} -> "
            f"{document['NewStateValue']}",
            f"- Reason for State Change:    {document['NewStateReason']}",
            f"- Timestamp:                  {when}",
            f"- AWS Account:                {document['AWSAccountId']}",
            f"- Alarm Arn:                  {document['AlarmArn']}",
            "",
            "Threshold:",
            f"- The alarm is in the ALARM state when the metric is "
            f"{trigger['ComparisonOperator']} {trigger['Threshold']} for at least "
            f"{trigger['DatapointsToAlarm']} of the last {trigger['EvaluationPeriods']} "
            f"period(s) of {trigger['Period']} seconds.",
            "",
            "Monitored Metric:",
            f"- MetricNamespace:                     {trigger['Namespace']}",
            f"- MetricName:                          {trigger['MetricName']}",
            f"- Dimensions:                          [{dims}]",
            f"- Period:                              {trigger['Period']} seconds",
            f"- Statistic:                           {statistic}",
            f"- Unit:                                {trigger['Unit'] or 'not specified'}",
            f"- TreatMissingData:                    {trigger['TreatMissingData']}",
            "",
            "",
            "State Change Actions:",
            f"- OK: [{', '.join(document['OKActions'])}]",
            f"- ALARM: [{', '.join(document['AlarmActions'])}]",
            f"- INSUFFICIENT_DATA: [{', '.join(document['InsufficientDataActions'])}]",
        ]
    )


def _describe(alarm: seams.AlarmView) -> dict[str, Any]:
    return {
        "alarmName": alarm.name,
        "alarmArn": alarm.arn,
        "namespace": alarm.namespace,
        "metricName": alarm.metric_name,
        "dimensions": [{"name": k, "value": v} for k, v in alarm.dimensions.items()],
        "statistic": alarm.statistic,
        "extendedStatistic": alarm.extended_statistic,
        "period": alarm.period,
        "evaluationPeriods": alarm.evaluation_periods,
        "datapointsToAlarm": alarm.datapoints_to_alarm,
        "threshold": alarm.threshold,
        "comparisonOperator": alarm.comparison_operator,
        "treatMissingData": alarm.treat_missing_data,
        "actionsEnabled": alarm.actions_enabled,
        "alarmActions": list(alarm.alarm_actions),
        "okActions": list(alarm.ok_actions),
        "insufficientDataActions": list(alarm.insufficient_data_actions),
    }


def _region_name(region: str) -> str:
    return REGION_NAMES.get(region, region)


def _as_time(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
