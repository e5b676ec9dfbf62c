"""Notebook 07's exercises: monitoring."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3

from workbook import names
from workbook.exercises.registry import exercise
from workbook.session import Session

NAMESPACE, ERRORS, REQUESTS = "AWS/ApiGateway", "4XXError", "Count"
# Each request counts 0 or 1 in 4XXError: its average over a period is the share answered 4XX.
RATE_STATISTIC = "Average"


def _dimensions(metric: Mapping[str, Any]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}


def _metrics(alarm: Mapping[str, Any]) -> list[tuple[str | None, dict[str, Any], str | None]]:
    """The metrics an alarm reads, as (query id, metric, statistic): its one metric, or each
    metric of its metric math."""
    if "MetricName" in alarm:
        metric = {k: alarm.get(k) for k in ("Namespace", "MetricName", "Dimensions")}
        return [(None, metric, alarm.get("Statistic") or alarm.get("ExtendedStatistic"))]
    return [
        (query["Id"], query["MetricStat"]["Metric"], query["MetricStat"]["Stat"])
        for query in alarm.get("Metrics", [])
        if "MetricStat" in query
    ]


def _on_api(metric: Mapping[str, Any], name: str, api: str) -> bool:
    return (
        metric.get("Namespace") == NAMESPACE
        and metric.get("MetricName") == name
        and _dimensions(metric).get("ApiName") == api
    )


def _is_rate(alarm: Mapping[str, Any], api: str) -> bool:
    """The alarm reads a share of requests: 4XXError's Average, or 4XXError divided by Count
    in a metric math expression."""
    read = _metrics(alarm)
    if any(_on_api(m, ERRORS, api) and stat == RATE_STATISTIC for _, m, stat in read):
        return True
    errors = [i for i, m, _ in read if _on_api(m, ERRORS, api)]
    requests = [i for i, m, _ in read if _on_api(m, REQUESTS, api)]
    expressions = [q["Expression"] for q in alarm.get("Metrics", []) if "Expression" in q]
    return any(
        "/" in text and any(i in text for i in errors) and any(i in text for i in requests)
        for text in expressions
    )


@exercise("07-1", passed="an alarm watches the share of Dev's requests answered 4XX, for on-call")
def api_4xx_rate_alarm(s: Session) -> str | None:
    api, stage = s.names.api, names.STAGE
    topic = f"arn:{s.partition}:sns:{s.region}:{s.account_id}:{s.prefix}-ops-alarms"
    paginator = boto3.client("cloudwatch").get_paginator("describe_alarms")
    pages = paginator.paginate(AlarmNamePrefix=s.prefix, AlarmTypes=["MetricAlarm"])
    alarms = [alarm for page in pages for alarm in page["MetricAlarms"]]
    on_4xx = [a for a in alarms if any(_on_api(m, ERRORS, api) for _, m, _ in _metrics(a))]
    if not on_4xx:
        return (
            f"no alarm whose name starts with `{s.prefix}` reads the metric {ERRORS} of the API "
            f"{api} (namespace {NAMESPACE}) yet. Part 5 made the API's 5XX alarm: start there."
        )
    on_stage = [
        a for a in on_4xx if any(_dimensions(m).get("Stage") == stage for _, m, _ in _metrics(a))
    ]
    if not on_stage:
        return (
            f"`{on_4xx[0]['AlarmName']}` reads {ERRORS} of {api} without the stage: API "
            f"Gateway publishes each stage's metrics with two dimensions, ApiName and Stage "
            f"({stage})."
        )
    rates = [a for a in on_stage if _is_rate(a, api)]
    if not rates:
        return (
            f"`{on_stage[0]['AlarmName']}` follows the number of 4XX answers, which grows with "
            "the traffic. A rate is a share of the requests: each request adds 0 or 1 to "
            f"{ERRORS}. Which statistic of it is that share? (Or divide by {REQUESTS}, with "
            "metric math.)"
        )
    if not any(topic in a.get("AlarmActions", []) for a in rates):
        return (
            f"`{rates[0]['AlarmName']}` watches the rate, but tells nobody when it fires: "
            f"on-call reads the topic `{s.prefix}-ops-alarms` (the alarm's actions)."
        )
    return None
