"""The datapoints a widget draws: its lines as GetMetricData queries, answered by the cloud.

The queries go through the same backend call as GetMetricData (`MetricData` is given by the
seam), so the image shows exactly what GetMetricData would return at that moment: datapoints
that have not yet "arrived" (LOCALCLOUD_REALISM) are not drawn, percentiles are computed as
there. Periods start at multiples of the period, as CloudWatch's graphs align them; with
`setPeriodToTimeRange` (singleValue and bar) one period spans the whole range.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localcloud.metric_widget.errors import invalid
from localcloud.metric_widget.expression import Points, evaluate
from localcloud.metric_widget.spec import Line, Metric, Widget

# (region or None for the request's, MetricDataQueries, start, end) -> MetricDataResults as
# moto's backend gives them: dicts with id, timestamps (aware UTC) and values.
MetricData = Callable[[str | None, list[dict[str, Any]], dt.datetime, dt.datetime], list[dict]]


@dataclass(frozen=True)
class Series:
    """A visible line of the widget with its datapoints, oldest first."""

    line: Line
    label: str
    times: tuple[dt.datetime, ...]  # aware UTC
    values: tuple[float, ...]


def series(widget: Widget, metric_data: MetricData) -> list[Series]:
    """Each visible line of `widget` (in its order) with the datapoints it has now."""
    points = _metric_points(widget, metric_data)
    by_id = {line.id: line for line in widget.lines}
    evaluating: list[str] = []

    def line_points(line_id: str) -> Points:
        if line_id not in points:
            line = by_id[line_id]  # KeyError: no such id, which `evaluate` reports
            path = f"/metrics/{widget.lines.index(line)}/expression"
            if line_id in evaluating:
                invalid(path, f"The expression {line_id!r} depends on itself")
            evaluating.append(line_id)
            points[line_id] = evaluate(line.expression or "", line_points, path)
            evaluating.pop()
        return points[line_id]

    labels = _labels([line for line in widget.lines if line.visible])
    found = []
    for line in widget.lines:
        if line.visible:
            data = sorted(line_points(line.id).items())
            found.append(
                Series(line, labels[line.id], tuple(t for t, _ in data), tuple(v for _, v in data))
            )
    return found


def _metric_points(widget: Widget, metric_data: MetricData) -> dict[str, Points]:
    """The datapoints of every metric line (hidden ones too: expressions may use them),
    one GetMetricData call per period."""
    # A graph ignores setPeriodToTimeRange, as on AWS: it would be one point.
    whole_range = widget.whole_range and widget.view != "timeSeries"
    whole = math.ceil((widget.end - widget.start).total_seconds() / 60) * 60
    by_period: dict[int, list[dict[str, Any]]] = {}
    for line in widget.lines:
        if line.metric is not None and line.stat is not None:
            period = whole if whole_range else line.period
            by_period.setdefault(period, []).append(_query(line.id, line.metric, line.stat, period))
    points: dict[str, Points] = {}
    for period, queries in by_period.items():
        start = widget.start if whole_range else _aligned(widget.start, period)
        for result in metric_data(widget.region, queries, start, widget.end):
            points[result["id"]] = dict(zip(result["timestamps"], result["values"], strict=True))
    return points


def _query(line_id: str, metric: Metric, stat: str, period: int) -> dict[str, Any]:
    return {
        "Id": line_id,
        "MetricStat": {
            "Metric": {
                "Namespace": metric.namespace,
                "MetricName": metric.name,
                "Dimensions": [{"Name": n, "Value": v} for n, v in metric.dimensions],
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def _aligned(moment: dt.datetime, period: int) -> dt.datetime:
    """`moment` rounded down to a multiple of `period` seconds since the epoch."""
    seconds = math.floor(moment.timestamp() / period) * period
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _labels(lines: list[Line]) -> dict[str, str]:
    """Each line's legend label: its own, else its metric's name (with the dimension values
    when another line draws the same name), else an expression's id."""
    names = [line.metric.name for line in lines if line.metric is not None]
    labels = {}
    for line in lines:
        if line.label is not None:
            labels[line.id] = line.label
        elif line.metric is None:
            labels[line.id] = line.id
        elif names.count(line.metric.name) > 1:
            values = [value for _, value in line.metric.dimensions]
            labels[line.id] = " ".join([line.metric.name, *values])
        else:
            labels[line.id] = line.metric.name
    return labels
