"""A GetMetricWidgetImage `MetricWidget` read into what the image needs, or refused.

The structure is AWS's "Metric Widget Structure and Syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Metric-Widget-Structure.html).
A widget AWS would refuse raises `WidgetError`; one asking for what the local cloud does not
draw (a pie, an alarm annotation, a dynamic label) raises NotImplementedError naming that part
(see `errors`): nothing is silently drawn differently from what the widget asks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from localcloud.metric_widget.errors import WidgetError, invalid
from localcloud.metric_widget.timerange import moment, timezone

WIDTH, HEIGHT = 600, 400  # pixels, AWS's defaults
MAX_PIXELS = 2000
PERIOD = 300
STAT = "Average"
START, END = "-PT3H", "-PT0H"
MAX_LINES = 100
MAX_DIMENSIONS = 30
VIEWS = ("timeSeries", "singleValue", "bar")
# Views AWS draws that the local cloud does not.
OTHER_VIEWS = ("pie", "gauge", "table")
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"p(\d{1,2}(\.\d+)?|100)")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")
# Widget properties that change nothing in a local image: live data (the local cloud has no
# aggregation lag), sparklines and precision of single values, a table's layout.
_IGNORED = {"liveData", "sparkline", "singleValueFullPrecision", "trend", "labels", "accountId"}
_KNOWN = {
    "metrics",
    "annotations",
    "start",
    "end",
    "width",
    "height",
    "legend",
    "period",
    "region",
    "stacked",
    "stat",
    "timezone",
    "title",
    "view",
    "yAxis",
    "setPeriodToTimeRange",
    *_IGNORED,
}
_LINE_OPTIONS = {"label", "color", "stat", "period", "yAxis", "visible", "id", "region"}
_EXPRESSION_OPTIONS = {"expression", "label", "color", "period", "yAxis", "visible", "id"}


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Line:
    """One entry of `metrics`: a metric with its statistic, or a metric math expression."""

    id: str
    label: str | None  # None: the default label (see `data`)
    color: str | None  # None: the palette's next colour
    y_axis: str  # "left" or "right"
    visible: bool
    period: int
    metric: Metric | None = None
    stat: str | None = None
    expression: str | None = None


@dataclass(frozen=True)
class Axis:
    min: float | None = None
    max: float | None = None
    label: str | None = None


@dataclass(frozen=True)
class Horizontal:
    """A horizontal annotation: a line at `value`, or a band from `value` to `to`."""

    value: float
    label: str | None
    color: str | None
    fill: str | None  # "above", "below" or None
    y_axis: str
    to: float | None = None


@dataclass(frozen=True)
class Vertical:
    """A vertical annotation: a line at `value`, or a band from `value` to `to`."""

    value: dt.datetime
    label: str | None
    color: str | None
    fill: str | None  # "before", "after" or None
    to: dt.datetime | None = None


@dataclass(frozen=True)
class Widget:
    lines: tuple[Line, ...]
    start: dt.datetime  # aware, UTC
    end: dt.datetime
    timezone: dt.tzinfo  # the one the time axis is labelled in
    view: str
    stacked: bool
    whole_range: bool  # setPeriodToTimeRange, for singleValue and bar
    title: str | None
    width: int
    height: int
    legend: str  # "bottom", "right" or "hidden"
    left: Axis
    right: Axis
    horizontal: tuple[Horizontal, ...]
    vertical: tuple[Vertical, ...]
    region: str | None


def parse(text: Any, now: dt.datetime) -> Widget:
    """The widget `text` (the MetricWidget parameter) describes, its times relative to `now`."""
    if not isinstance(text, str):
        raise WidgetError("The MetricWidget parameter is required: a JSON object (a string).")
    try:
        widget = json.loads(text)
    except ValueError as error:
        raise WidgetError(f"The MetricWidget is not valid JSON: {error}.") from None
    if not isinstance(widget, dict):
        raise WidgetError("The MetricWidget must be a JSON object, not " + _kind(widget) + ".")
    if "metrics" not in widget:
        invalid("", "Should have required property 'metrics'")
    unknown = sorted(set(widget) - _KNOWN)
    if unknown:
        raise NotImplementedError(f"widget property {unknown[0]!r}")
    period = _period(widget.get("period", PERIOD), "/period")
    stat = _stat(widget.get("stat", STAT), "/stat")
    start = moment(_string(widget.get("start", START), "/start"), now, "/start")
    end = moment(_string(widget.get("end", END), "/end"), now, "/end")
    if start >= end:
        invalid(
            "/start",
            f"start ({start:%Y-%m-%dT%H:%M:%SZ}) must be before end ({end:%Y-%m-%dT%H:%M:%SZ})",
        )
    view = _choice(widget.get("view", "timeSeries"), VIEWS + OTHER_VIEWS, "/view")
    if view in OTHER_VIEWS:
        raise NotImplementedError(f"view {view!r}; it draws {', '.join(VIEWS)}")
    region = _region(widget)
    y_axis = _mapping(widget.get("yAxis", {}), "/yAxis")
    for side in sorted(set(y_axis) - {"left", "right"}):
        invalid(f"/yAxis/{side}", "Should be left or right")
    legend = _mapping(widget.get("legend", {}), "/legend")
    return Widget(
        lines=_lines(widget["metrics"], period, stat, region),
        start=start,
        end=end,
        timezone=timezone(widget.get("timezone"), "/timezone"),
        view=view,
        stacked=_bool(widget.get("stacked", False), "/stacked"),
        whole_range=_bool(widget.get("setPeriodToTimeRange", False), "/setPeriodToTimeRange"),
        title=_optional_string(widget.get("title"), "/title"),
        width=_pixels(widget.get("width", WIDTH), "/width"),
        height=_pixels(widget.get("height", HEIGHT), "/height"),
        legend=_choice(
            legend.get("position", "bottom"), ("bottom", "right", "hidden"), "/legend/position"
        ),
        left=_axis(y_axis.get("left", {}), "/yAxis/left"),
        right=_axis(y_axis.get("right", {}), "/yAxis/right"),
        horizontal=_horizontals(widget.get("annotations", {})),
        vertical=_verticals(widget.get("annotations", {}), now),
        region=region,
    )


def _region(widget: Mapping[str, Any]) -> str | None:
    """The widget's region; without one, the region its lines name, if they all name the same
    (None: the request's)."""
    if "region" in widget:
        return _string(widget["region"], "/region")
    lines = widget["metrics"] if isinstance(widget["metrics"], list) else []
    named = {
        line[-1]["region"]
        for line in lines
        if isinstance(line, list)
        and line
        and isinstance(line[-1], dict)
        and isinstance(line[-1].get("region"), str)
    }
    return named.pop() if len(named) == 1 else None


def _lines(metrics: Any, period: int, stat: str, region: str | None) -> tuple[Line, ...]:
    if not isinstance(metrics, list) or not 1 <= len(metrics) <= MAX_LINES:
        invalid("/metrics", f"Should be an array of 1 to {MAX_LINES} metric arrays")
    given = [
        entry[-1]["id"]
        for entry in metrics
        if isinstance(entry, list) and entry and isinstance(entry[-1], dict) and "id" in entry[-1]
    ]
    lines: list[Line] = []
    previous: list[Any] = []
    for number, entry in enumerate(metrics):
        path = f"/metrics/{number}"
        if not isinstance(entry, list) or not entry:
            invalid(path, "Should be a non-empty array")
        *parts, last = entry
        options = last if isinstance(last, dict) else {}
        if not isinstance(last, dict):
            parts.append(last)
        line_id = options.get("id", _free_id(len(lines) + 1, given))
        if not isinstance(line_id, str) or not _ID.fullmatch(line_id):
            invalid(
                f"{path}/id",
                "Should start with a lower-case letter, then letters, digits or underscores",
            )
        if "expression" in options:
            if parts:
                invalid(path, "An expression is an array holding one object")
            lines.append(_expression(options, line_id, period, path))
            continue
        parts = _expand(parts, previous, path)
        previous = parts
        lines.append(_metric_line(parts, options, line_id, period, stat, region, path))
    ids = [line.id for line in lines]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        invalid("/metrics", f"The id {duplicate!r} is used more than once")
    return tuple(lines)


def _free_id(number: int, given: list[str]) -> str:
    """An id for a line the widget names none for, unlike every id it names."""
    candidate = f"m{number}"
    while candidate in given:
        candidate = f"m{candidate}"
    return candidate


def _expand(parts: list[Any], previous: list[Any], path: str) -> list[Any]:
    """'.' is the entry at the same place in the line above; a leading '...' is the line above
    up to the entries the rest of this line gives (the console's shorthand)."""
    if parts and parts[0] == "...":
        keep = len(previous) - (len(parts) - 1)
        if not previous or keep < 2:
            invalid(path, "'...' repeats the metric above, and there is none")
        parts = previous[:keep] + parts[1:]
    expanded = []
    for place, part in enumerate(parts):
        if part == ".":
            if place >= len(previous):
                invalid(f"{path}/{place}", "'.' repeats the entry above, and there is none")
            part = previous[place]
        expanded.append(part)
    return expanded


def _metric_line(
    parts: list[Any],
    options: Mapping[str, Any],
    line_id: str,
    period: int,
    stat: str,
    region: str | None,
    path: str,
) -> Line:
    if len(parts) < 2 or len(parts) % 2 or len(parts) > 2 + 2 * MAX_DIMENSIONS:
        invalid(
            path,
            "Should be [namespace, metric name, dimension name, dimension value, ..., "
            "{options}]: a namespace, a name and up to 30 name/value pairs",
        )
    for place, part in enumerate(parts):
        if not isinstance(part, str) or not part:
            invalid(f"{path}/{place}", "Should be a non-empty string")
    unknown = sorted(set(options) - _LINE_OPTIONS)
    if unknown:
        raise NotImplementedError(f"metric option {unknown[0]!r} at {path}")
    if _optional_string(options.get("region"), f"{path}/region") not in (None, region):
        raise NotImplementedError(f"a metric from another region than the widget's, at {path}")
    namespace, name, *pairs = parts
    return Line(
        id=line_id,
        metric=Metric(namespace, name, tuple(zip(pairs[::2], pairs[1::2], strict=True))),
        stat=_stat(options.get("stat", stat), f"{path}/stat"),
        **_rendering(options, period, path),
    )


def _expression(options: Mapping[str, Any], line_id: str, period: int, path: str) -> Line:
    unknown = sorted(set(options) - _EXPRESSION_OPTIONS)
    if unknown:
        raise NotImplementedError(f"expression option {unknown[0]!r} at {path}")
    expression = options["expression"]
    if not isinstance(expression, str) or not expression.strip():
        invalid(f"{path}/expression", "Should be a non-empty string")
    return Line(id=line_id, expression=expression, **_rendering(options, period, path))


def _rendering(options: Mapping[str, Any], period: int, path: str) -> dict[str, Any]:
    label = _optional_string(options.get("label"), f"{path}/label")
    if label is not None and "${" in label:
        raise NotImplementedError(f"dynamic labels ({label!r} at {path})")
    return {
        "label": label,
        "color": _color(options.get("color"), f"{path}/color"),
        "y_axis": _choice(options.get("yAxis", "left"), ("left", "right"), f"{path}/yAxis"),
        "visible": _bool(options.get("visible", True), f"{path}/visible"),
        "period": _period(options.get("period", period), f"{path}/period"),
    }


def _axis(axis: Any, path: str) -> Axis:
    axis = _mapping(axis, path)
    unknown = sorted(set(axis) - {"min", "max", "label", "showUnits"})
    if unknown:
        invalid(f"{path}/{unknown[0]}", "Should be one of min, max, label, showUnits")
    _bool(axis.get("showUnits", True), f"{path}/showUnits")
    low = _optional_number(axis.get("min"), f"{path}/min")
    high = _optional_number(axis.get("max"), f"{path}/max")
    if low is not None and high is not None and low >= high:
        invalid(path, f"min ({low:g}) must be below max ({high:g})")
    return Axis(low, high, _optional_string(axis.get("label"), f"{path}/label"))


def _annotations(annotations: Any) -> Mapping[str, Any]:
    annotations = _mapping(annotations, "/annotations")
    if "alarms" in annotations:
        raise NotImplementedError("alarm annotations (annotations.alarms)")
    unknown = sorted(set(annotations) - {"horizontal", "vertical"})
    if unknown:
        invalid(f"/annotations/{unknown[0]}", "Should be horizontal, vertical or alarms")
    return annotations


def _edges(annotations: Any, kind: str) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Each annotation of `kind` as (path, its one edge or a band's two)."""
    entries = _annotations(annotations).get(kind, [])
    if not isinstance(entries, list):
        invalid(f"/annotations/{kind}", "Should be an array")
    found = []
    for number, entry in enumerate(entries):
        path = f"/annotations/{kind}/{number}"
        edges = entry if isinstance(entry, list) else [entry]
        if not 1 <= len(edges) <= 2 or not all(isinstance(e, dict) for e in edges):
            invalid(path, "Should be an annotation object, or an array of two for a band")
        if all(edge.get("visible", True) is not False for edge in edges):
            found.append((path, edges))
    return found


def _horizontals(annotations: Any) -> tuple[Horizontal, ...]:
    found = []
    for path, edges in _edges(annotations, "horizontal"):
        values = [_number(edge.get("value"), f"{path}/value") for edge in edges]
        first = edges[0]
        found.append(
            Horizontal(
                value=values[0],
                label=_optional_string(first.get("label"), f"{path}/label"),
                color=_color(first.get("color"), f"{path}/color"),
                fill=_optional_choice(first.get("fill"), ("above", "below"), f"{path}/fill"),
                y_axis=_choice(first.get("yAxis", "left"), ("left", "right"), f"{path}/yAxis"),
                to=values[1] if len(values) == 2 else None,
            )
        )
    return tuple(found)


def _verticals(annotations: Any, now: dt.datetime) -> tuple[Vertical, ...]:
    found = []
    for path, edges in _edges(annotations, "vertical"):
        values = [
            moment(_string(edge.get("value"), f"{path}/value"), now, f"{path}/value")
            for edge in edges
        ]
        first = edges[0]
        found.append(
            Vertical(
                value=values[0],
                label=_optional_string(first.get("label"), f"{path}/label"),
                color=_color(first.get("color"), f"{path}/color"),
                fill=_optional_choice(first.get("fill"), ("before", "after"), f"{path}/fill"),
                to=values[1] if len(values) == 2 else None,
            )
        )
    return tuple(found)


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        invalid(path, "Should be an object")
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        invalid(path, "Should be a string")
    return value


def _optional_string(value: Any, path: str) -> str | None:
    return None if value is None else _string(value, path)


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        invalid(path, "Should be true or false")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        invalid(path, "Should be a number")
    return float(value)


def _optional_number(value: Any, path: str) -> float | None:
    return None if value is None else _number(value, path)


def _choice(value: Any, allowed: tuple[str, ...], path: str) -> str:
    if value not in allowed:
        invalid(path, f"Should be one of {', '.join(allowed)}, not {json.dumps(value)}")
    return value


def _optional_choice(value: Any, allowed: tuple[str, ...], path: str) -> str | None:
    return None if value is None else _choice(value, allowed, path)


def _color(value: Any, path: str) -> str | None:
    if value is not None and not (isinstance(value, str) and _COLOR.fullmatch(value)):
        invalid(path, f"Should be a six-digit hex colour such as #1f77b4, not {json.dumps(value)}")
    return value


def _pixels(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PIXELS:
        invalid(path, f"Should be a whole number of pixels from 1 to {MAX_PIXELS}")
    return value


def _period(value: Any, path: str) -> int:
    valid = isinstance(value, int) and not isinstance(value, bool)
    if not valid or not (value in (1, 5, 10, 30) or (value > 0 and value % 60 == 0)):
        invalid(path, f"Should be 1, 5, 10, 30 or a multiple of 60 seconds, not {value!r}")
    return value


def _stat(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        invalid(path, "Should be a statistic such as Average, Sum or p90")
    if value in STATISTICS or _PERCENTILE.fullmatch(value):
        return value
    if re.fullmatch(r"(tm|wm|tc|ts|pr|TM|WM|TC|TS|PR)\(?.*|IQM", value):
        raise NotImplementedError(
            f"statistic {value!r}; it computes {', '.join(STATISTICS)} and percentiles (p90)"
        )
    invalid(
        path, f"Should be one of {', '.join(STATISTICS)} or a percentile such as p90, not {value!r}"
    )
