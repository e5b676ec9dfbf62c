"""Embedded Metric Format: log lines that carry metrics, turned into CloudWatch datapoints.

A line is EMF when it is a JSON object whose `_aws` member holds a `Timestamp` (epoch
milliseconds) and `CloudWatchMetrics`, a list of metric directives. Each directive names a
`Namespace`, `Dimensions` (a list of dimension sets, each a list of member names) and `Metrics`
(`Name`, optional `Unit`; `StorageResolution` is not kept locally); the values are top-level
members of the same object: a number or a list of numbers. Each dimension set makes its own
metric. See
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

As CloudWatch Logs does, we skip what the specification calls invalid rather than guess: a
directive without a namespace, a dimension set that names a missing or non-string member, a
metric whose value is not a number (booleans included) or a list of numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from localcloud import seams

MAX_DIMENSIONS = 30  # per dimension set, per the specification


def metric_data(line: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, PutMetricData items) for each directive in an EMF line; [] for other lines."""
    text = line.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return []
    try:
        document = json.loads(text)
    except ValueError:
        return []
    meta = document.get("_aws") if isinstance(document, dict) else None
    if not isinstance(meta, dict):
        return []
    stamp_ms = meta.get("Timestamp")
    directives = meta.get("CloudWatchMetrics")
    if not _is_number(stamp_ms) or not isinstance(directives, list):
        return []
    stamp = dt.datetime.fromtimestamp(stamp_ms / 1000, dt.UTC)
    found = []
    for directive in directives:
        items = _directive_items(document, directive, stamp)
        if items:
            found.append((directive["Namespace"], items))
    return found


def _directive_items(
    document: dict[str, Any], directive: Any, stamp: dt.datetime
) -> list[dict[str, Any]]:
    if not isinstance(directive, dict):
        return []
    namespace, dimension_sets = directive.get("Namespace"), directive.get("Dimensions")
    metrics = directive.get("Metrics")
    if not isinstance(namespace, str) or not namespace or not isinstance(metrics, list):
        return []
    if not isinstance(dimension_sets, list):
        return []
    # An empty list of dimension sets still publishes the metrics, without dimensions.
    dimension_lists = [_dimensions(document, names) for names in dimension_sets or [[]]]
    items = []
    for dims in dimension_lists:
        if dims is None:
            continue
        for metric in metrics:
            name = metric.get("Name") if isinstance(metric, dict) else None
            values = _values(document.get(name)) if isinstance(name, str) else None
            if not values:
                continue
            items.append(
                {
                    "MetricName": name,
                    "Values": values,
                    "Unit": metric.get("Unit") or "None",
                    "Dimensions": dims,
                    "Timestamp": stamp,
                }
            )
    return items


def _dimensions(document: dict[str, Any], names: Any) -> list[dict[str, str]] | None:
    """PutMetricData dimensions for one dimension set; None if the set is invalid."""
    if not isinstance(names, list) or len(names) > MAX_DIMENSIONS:
        return None
    dims = []
    for name in names:
        value = document.get(name) if isinstance(name, str) else None
        if not isinstance(value, str):
            return None
        dims.append({"Name": name, "Value": value})
    return dims


def _values(value: Any) -> list[float] | None:
    values = value if isinstance(value, list) else [value]
    if not values or not all(_is_number(v) for v in values):
        return None
    return [float(v) for v in values]


def _is_number(value: Any) -> bool:
    # bool is an int in Python but not a number in JSON.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def publish(line: str, account_id: str, region: str) -> None:
    """Put the metrics an EMF line carries into the local CloudWatch."""
    for namespace, items in metric_data(line):
        seams.put_metric_data(account_id, region, namespace, items)
