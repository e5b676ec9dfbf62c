"""Embedded Metric Format: log lines that carry metrics, turned into CloudWatch datapoints.

A line is EMF when it is a JSON object whose `_aws.CloudWatchMetrics` lists metric
directives; each directive names a namespace, dimension sets and metrics whose values are
top-level members of the same object (a number or a list of numbers). See
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from localcloud import seams


def metric_data(line: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, PutMetricData items) for each directive in an EMF line; [] for other lines."""
    text = line.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return []
    try:
        document = json.loads(text)
        meta = document["_aws"]
        directives = meta["CloudWatchMetrics"]
        stamp = dt.datetime.fromtimestamp(meta["Timestamp"] / 1000, dt.UTC)
    except (ValueError, KeyError, TypeError):
        return []
    found = []
    for directive in directives:
        items = []
        for dimension_set in directive.get("Dimensions", [[]]) or [[]]:
            dims = [{"Name": n, "Value": str(document[n])} for n in dimension_set if n in document]
            for metric in directive.get("Metrics", []):
                value = document.get(metric.get("Name"))
                values = value if isinstance(value, list) else [value]
                numbers = [float(v) for v in values if isinstance(v, (int, float))]
                if numbers:
                    items.append(
                        {
                            "MetricName": metric["Name"],
                            "Values": numbers,
                            "Unit": metric.get("Unit", "None"),
                            "Dimensions": dims,
                            "Timestamp": stamp,
                        }
                    )
        if items:
            found.append((directive.get("Namespace", "aws-embedded-metrics"), items))
    return found


def publish(line: str, account_id: str, region: str) -> None:
    """Put the metrics an EMF line carries into the local CloudWatch."""
    for namespace, items in metric_data(line):
        seams.put_metric_data(account_id, region, namespace, items)
