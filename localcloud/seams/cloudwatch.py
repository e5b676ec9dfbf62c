"""CloudWatch: metric data in and out, alarms' life cycle, and GetMetricWidgetImage.

moto stores alarms and datapoints but never evaluates an alarm, starts alarms in OK (AWS:
INSUFFICIENT_DATA), forgets state on PutMetricAlarm of an existing alarm, and has no
DescribeAlarmHistory. `localcloud.alarms` evaluates them through the functions here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from localcloud.seams.patching import add, original, replace


def put_metric_data(
    account_id: str, region: str, namespace: str, metric_data: list[dict[str, Any]]
) -> None:
    """Record datapoints as PutMetricData would (Timestamp a datetime, or now)."""
    for datum in metric_data:
        stamp = datum.get("Timestamp")
        if isinstance(stamp, dt.datetime) and stamp.tzinfo is not None:
            # moto keeps naive UTC datetimes.
            datum["Timestamp"] = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    cloudwatch_backends[account_id][region].put_metric_data(namespace, metric_data)


@dataclass(frozen=True)
class AlarmView:
    account_id: str
    region: str
    name: str
    arn: str
    description: str | None
    namespace: str | None
    metric_name: str | None
    dimensions: dict[str, str]
    statistic: str | None
    extended_statistic: str | None
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    threshold: float | None
    comparison_operator: str
    treat_missing_data: str | None
    unit: str | None
    evaluate_low_sample_count_percentile: str | None
    actions_enabled: bool
    alarm_actions: tuple[str, ...]
    ok_actions: tuple[str, ...]
    insufficient_data_actions: tuple[str, ...]
    state_value: str
    state_reason: str
    state_reason_data: str
    uses_metric_math: bool  # Metrics (metric math, anomaly bands) or a composite rule


@dataclass(frozen=True)
class Datum:
    """One PutMetricData value, or one StatisticSet (then `values` is empty)."""

    timestamp: dt.datetime  # aware, UTC
    dimensions: dict[str, str]
    unit: str | None
    values: tuple[float, ...]
    sum: float
    minimum: float
    maximum: float
    sample_count: float


@dataclass(frozen=True)
class AlarmHooks:
    # After every state change, whoever made it (evaluator or SetAlarmState):
    # (alarm as it is now, old state value, old state reason).
    state_changed: Callable[[AlarmView, str, str], None]
    # After PutMetricAlarm: (alarm, created) - created is False for an update.
    configured: Callable[[AlarmView, bool], None]
    # DescribeAlarmHistory: (account, region, request parameters) -> AlarmHistoryItems.
    history: Callable[[str, str, dict[str, Any]], list[dict[str, Any]]]


def _alarm_view(alarm: Any, account_id: str) -> AlarmView:
    return AlarmView(
        account_id=account_id,
        region=alarm.region_name,
        name=alarm.name,
        arn=alarm.alarm_arn,
        description=alarm.description,
        namespace=alarm.namespace,
        metric_name=alarm.metric_name,
        dimensions={d.name: d.value for d in alarm.dimensions},
        statistic=alarm.statistic,
        extended_statistic=alarm.extended_statistic,
        period=int(alarm.period or 60),
        evaluation_periods=int(alarm.evaluation_periods or 1),
        datapoints_to_alarm=int(alarm.datapoints_to_alarm) if alarm.datapoints_to_alarm else None,
        threshold=float(alarm.threshold) if alarm.threshold is not None else None,
        comparison_operator=alarm.comparison_operator,
        treat_missing_data=alarm.treat_missing_data,
        unit=alarm.unit,
        evaluate_low_sample_count_percentile=alarm.evaluate_low_sample_count_percentile,
        actions_enabled=bool(alarm.actions_enabled),
        alarm_actions=tuple(alarm.alarm_actions or ()),
        ok_actions=tuple(alarm.ok_actions or ()),
        insufficient_data_actions=tuple(alarm.insufficient_data_actions or ()),
        state_value=alarm.state_value,
        state_reason=alarm.state_reason,
        state_reason_data=alarm.state_reason_data,
        uses_metric_math=bool(alarm.metric_data_queries) or alarm.rule is not None,
    )


def _account_of(alarm_arn: str) -> str:
    return alarm_arn.split(":")[4]


def install_alarm_hooks(hooks: AlarmHooks) -> None:
    """AWS's alarm life cycle on moto's alarms: initial state, kept state, history, actions."""
    from moto.cloudwatch.models import Alarm, CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    update_state = original(Alarm, "update_state")
    put_alarm = original(CloudWatchBackend, "put_metric_alarm")

    def update(self: Any, reason: str, reason_data: str, state_value: str) -> None:
        old_value, old_reason = self.state_value, self.state_reason
        update_state(self, reason, reason_data, state_value)
        hooks.state_changed(_alarm_view(self, _account_of(self.alarm_arn)), old_value, old_reason)

    def put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["name"] if "name" in kwargs else args[0]
        previous = self.alarms.get(name)
        alarm = put_alarm(self, *args, **kwargs)
        if previous is None:
            alarm.state_value = "INSUFFICIENT_DATA"
        else:
            # AWS leaves the state of an updated alarm alone.
            for field in ("state_value", "state_reason", "state_reason_data", "history"):
                setattr(alarm, field, getattr(previous, field))
            alarm.state_updated_timestamp = previous.state_updated_timestamp
        hooks.configured(_alarm_view(alarm, self.account_id), previous is None)
        return alarm

    def describe_alarm_history(self: Any) -> Any:
        items = hooks.history(self.current_account, self.region, self._get_params())
        return ActionResult({"AlarmHistoryItems": items})

    replace(Alarm, "update_state", lambda _model: update)
    replace(CloudWatchBackend, "put_metric_alarm", lambda _model: put_metric_alarm)
    # moto has no DescribeAlarmHistory handler to keep.
    CloudWatchResponse.describe_alarm_history = describe_alarm_history  # type: ignore[attr-defined]


def iter_alarms() -> Iterator[AlarmView]:
    """Every metric and composite alarm in every account and region."""
    for account_id, regions in list(cloudwatch_backends.items()):
        for _region, backend in list(regions.items()):
            for alarm in list(backend.alarms.values()):
                yield _alarm_view(alarm, account_id)


def set_alarm_state(
    account_id: str, region: str, name: str, state_value: str, reason: str, reason_data: str
) -> None:
    """Change an alarm's state as SetAlarmState does (so history and actions follow)."""
    alarm = cloudwatch_backends[account_id][region].alarms.get(name)
    if alarm is not None:
        alarm.update_state(reason, reason_data, state_value)


def metric_datums(
    account_id: str, region: str, namespace: str, metric_name: str, since: dt.datetime
) -> list[Datum]:
    """The datapoints of one metric (any dimensions) at or after `since` (aware UTC)."""
    from moto.cloudwatch.models import MetricAggregatedDatum

    found = []
    for datum in list(cloudwatch_backends[account_id][region].get_all_metrics()):
        if datum.namespace != namespace or datum.name != metric_name:
            continue
        stamp = datum.timestamp
        stamp = stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp
        if stamp < since:
            continue
        dimensions = {d.name: d.value for d in datum.dimensions}
        if isinstance(datum, MetricAggregatedDatum):
            found.append(
                Datum(
                    stamp,
                    dimensions,
                    datum.unit,
                    (),
                    datum.sum,
                    datum.min,
                    datum.max,
                    datum.sample_count,
                )
            )
        else:
            value = float(datum.value)
            found.append(Datum(stamp, dimensions, datum.unit, (value,), value, value, value, 1.0))
    return found


def install_metric_data_hook(
    handles: Callable[[str], bool],
    values: Callable[[str, str, dict[str, Any], list[dt.datetime]], list[float | None]],
    start_of: Callable[[dt.datetime, int], dt.datetime] | None = None,
) -> None:
    """GetMetricData for statistics moto cannot compute (percentiles: a 500 in moto 5.2.5),
    and with the StartTime CloudWatch rounds to each query's period.

    A MetricStat query whose Stat `handles` accepts is run by moto as SampleCount, which lays
    out the periods that have data; `values(account, region, query, period starts)` then gives
    each period's value (None drops the period).

    `start_of(StartTime, Period)` is where a query of that period starts (moto takes the
    StartTime as given). When the request's queries start at different times, moto runs once
    per start and each MetricStat query takes its own run's result; expressions take the
    earliest start's.
    """
    from moto.cloudwatch.models import CloudWatchBackend

    get_model = original(CloudWatchBackend, "get_metric_data")

    def get_metric_data(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: dt.datetime,
        end_time: dt.datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        if start_of is None or start_time.replace(microsecond=0) >= end_time.replace(
            microsecond=0
        ):  # moto's own refusals of the times as given
            return run(self, queries, start_time, end_time, scan_by)
        starts = {
            q["Id"]: start_of(start_time, int(q["MetricStat"]["Period"]))
            for q in queries
            if "MetricStat" in q
        }
        distinct = sorted(set(starts.values())) or [start_of(start_time, 60)]
        runs = {start: run(self, queries, start, end_time, scan_by) for start in distinct}
        earliest = runs[distinct[0]]
        if len(runs) == 1:
            return earliest
        own = {
            result["id"]: result
            for start, results in runs.items()
            for result in results
            if starts.get(result["id"]) == start
        }
        return [own.get(result["id"], result) for result in earliest]

    def run(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: dt.datetime,
        end_time: dt.datetime,
        scan_by: str,
    ) -> list[dict[str, Any]]:
        ours = {
            q["Id"]: q for q in queries if "MetricStat" in q and handles(q["MetricStat"]["Stat"])
        }
        if not ours:
            return get_model(self, queries, start_time, end_time, scan_by)
        counted = [
            {**q, "MetricStat": {**q["MetricStat"], "Stat": "SampleCount"}}
            if q.get("Id") in ours
            else q
            for q in queries
        ]
        results = get_model(self, counted, start_time, end_time, scan_by)
        for result in results:
            query = ours.get(result["id"])
            if query is None:
                continue
            found = values(self.account_id, self.region_name, query, list(result["timestamps"]))
            kept = [
                (t, v) for t, v in zip(result["timestamps"], found, strict=True) if v is not None
            ]
            result["timestamps"] = [t for t, _ in kept]
            result["values"] = [v for _, v in kept]
            if not query.get("Label"):
                stat = query["MetricStat"]
                result["label"] = f"{stat['Metric']['MetricName']} {stat['Stat']}"
        return results

    replace(CloudWatchBackend, "get_metric_data", lambda _model: get_metric_data)


def install_metric_statistics_start(start_of: Callable[[dt.datetime, int], dt.datetime]) -> None:
    """GetMetricStatistics from the StartTime CloudWatch rounds to the period,
    `start_of(StartTime, Period)`, with its periods counted from there.

    moto takes the StartTime as given and counts periods from the first datapoint it finds;
    its datapoints are regrouped into periods from the rounded start.
    """
    from moto.cloudwatch.models import CloudWatchBackend, Statistics

    statistics_model = original(CloudWatchBackend, "get_metric_statistics")

    def get_metric_statistics(
        self: Any,
        namespace: str,
        metric_name: str,
        start_time: dt.datetime,
        end_time: dt.datetime,
        period: int,
        stats: list[str],
        dimensions: list[dict[str, str]],
        unit: str | None = None,
    ) -> list[Any]:
        if start_time.replace(microsecond=0) >= end_time.replace(microsecond=0):
            start = start_time  # moto's refusal of the times as given
        else:
            start = start_of(start_time, period)
        found = statistics_model(
            self, namespace, metric_name, start, end_time, period, stats, dimensions, unit
        )
        if start is start_time or not found:
            return found
        base = start.replace(microsecond=0)
        grouped: dict[int, Any] = {}
        for datum in (d for s in found for d in s.metric_data):  # ascending by timestamp
            index = int((datum.timestamp - base).total_seconds()) // period
            bucket = grouped.get(index)
            if bucket is None:
                bucket = grouped[index] = Statistics(
                    stats, base + dt.timedelta(seconds=index * period)
                )
            bucket.metric_data.append(datum)
            bucket.unit = datum.unit
        return [grouped[index] for index in sorted(grouped)]

    replace(CloudWatchBackend, "get_metric_statistics", lambda _model: get_metric_statistics)


def install_metric_arrival(arrived: Callable[[float], bool]) -> None:
    """Every reader of datapoints (GetMetricData, GetMetricStatistics, ListMetrics, alarms)
    sees only those `arrived(when it was put, epoch s)` accepts; moto shows one at once.

    moto keeps no time of arrival (a datum's Timestamp is the one the caller gave), so
    PutMetricData notes it for the datums it adds; every reader goes through
    `get_all_metrics`. A datum moto adds by itself (none noted) counts as arrived.
    """
    import time
    import weakref

    from moto.cloudwatch.models import CloudWatchBackend

    put_at: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def put_metric_data_of(model: Callable[..., Any]) -> Callable[..., Any]:
        def put_metric_data(self: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
            before = len(self.metric_data)
            model(self, namespace, metric_data)
            now = time.time()
            for datum in self.metric_data[before:]:
                put_at.setdefault(datum, now)

        return put_metric_data

    def get_all_metrics_of(model: Callable[..., Any]) -> Callable[..., Any]:
        def get_all_metrics(self: Any) -> list[Any]:
            return [datum for datum in model(self) if datum not in put_at or arrived(put_at[datum])]

        return get_all_metrics

    replace(CloudWatchBackend, "put_metric_data", put_metric_data_of)
    replace(CloudWatchBackend, "get_all_metrics", get_all_metrics_of)


# (region or None for the request's, MetricDataQueries, start, end: aware UTC) -> results.
MetricDataCall = Callable[[str | None, list[dict[str, Any]], dt.datetime, dt.datetime], list[dict]]


def install_metric_widget_image(
    image: Callable[[Any, str, MetricDataCall], bytes], refused: type[Exception]
) -> None:
    """GetMetricWidgetImage, which moto 5.2.5 lacks.

    `image(MetricWidget, OutputFormat, metric_data)` returns the PNG; `metric_data(region,
    queries, start, end)` runs the queries through the backend's get_metric_data, as
    GetMetricData does (so datapoints not yet arrived stay out and percentiles are computed),
    in the caller's account, and returns moto's results with aware UTC timestamps. `refused`
    raised by `image` is answered 400 InvalidParameterInput (CloudWatch's code for an invalid
    dashboard or widget) with its message.
    """
    from moto.cloudwatch.exceptions import DashboardInvalidInputError
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    def get_metric_widget_image(self: Any) -> Any:
        backends = cloudwatch_backends[self.current_account]

        def metric_data(
            region: str | None, queries: list[dict[str, Any]], start: dt.datetime, end: dt.datetime
        ) -> list[dict[str, Any]]:
            try:
                backend = backends[region or self.region]
            except KeyError:
                raise refused(
                    f"The MetricWidget is invalid at /region: {region!r} is not a region."
                ) from None
            naive = [t.astimezone(dt.UTC).replace(tzinfo=None) for t in (start, end)]
            results = backend.get_metric_data(queries, *naive, "TimestampAscending")
            return [
                {**r, "timestamps": [t.replace(tzinfo=dt.UTC) for t in r["timestamps"]]}
                for r in results
            ]

        output_format = self._get_param("OutputFormat") or "png"
        try:
            png = image(self._get_param("MetricWidget"), output_format, metric_data)
        except refused as error:
            raise DashboardInvalidInputError(str(error)) from None
        if output_format == "image/png":  # AWS: the HTTP body is the image itself
            return 200, {"Content-Type": "image/png"}, png
        return ActionResult({"MetricWidgetImage": png})

    add(CloudWatchResponse, "get_metric_widget_image", get_metric_widget_image)
