"""GetMetricData with percentile statistics (`p90`, `p99.9`), which moto 5.2.5 cannot answer.

moto computes Sum, Average, Minimum, Maximum and SampleCount per period, and fails with a 500
on a percentile. The hook in `seams.install_metric_data_hook` lets moto lay out the periods (as
for SampleCount) and asks `percentile_values` for each period's value: nearest rank over the
raw values of the metric with exactly the query's dimensions (and unit, if it names one), as
alarms evaluate percentiles (`localcloud.alarms`). Statistic sets carry no raw values, so a
period with only those has no percentile, and no datapoint. Metric math over a percentile
query's id sees its SampleCount.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from localcloud import seams
from localcloud.alarms import statistic_value

_PERCENTILE = re.compile(r"p(\d{1,2}(\.\d+)?|100)")


def is_percentile(statistic: str) -> bool:
    """`p0` to `p100`, with decimals (`p99.9`)."""
    return _PERCENTILE.fullmatch(statistic or "") is not None


def percentile_values(
    account_id: str, region: str, query: dict[str, Any], starts: list[dt.datetime]
) -> list[float | None]:
    """The query's percentile for each period starting at `starts` (None: no raw values)."""
    stat = query["MetricStat"]
    metric = stat["Metric"]
    period = dt.timedelta(seconds=int(stat["Period"]))
    dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
    unit = stat.get("Unit")
    starts = [_utc(start) for start in starts]
    if not starts:
        return []
    datums = [
        d
        for d in seams.metric_datums(
            account_id, region, metric["Namespace"], metric["MetricName"], min(starts)
        )
        if d.dimensions == dimensions and (unit is None or d.unit == unit)
    ]
    return [
        statistic_value([d for d in datums if start <= d.timestamp < start + period], stat["Stat"])
        for start in starts
    ]


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# StartTime rounding (GetMetricData and GetMetricStatistics, "StartTime"): "CloudWatch rounds
# the specified time stamp as follows: Start time less than 15 days ago - Round down to the
# nearest whole minute ... between 15 and 63 days ago - ... 5-minute clock interval ...
# greater than 63 days ago - ... 1-hour clock interval. If you set Period to 5, 10, 20, or
# 30, the start time of your request is rounded down to the nearest time that corresponds to
# even 5-, 10-, 20-, or 30-second divisions of a minute."
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html)
# A 1-second period is taken as the 1-second division (only the fraction of a second goes).
_SUBMINUTE_PERIODS = (1, 5, 10, 20, 30)


def rounded_start(start: dt.datetime, period: int, now: dt.datetime | None = None) -> dt.datetime:
    """`start` as CloudWatch rounds a StartTime for a query of this `period` (seconds).

    Naive datetimes are UTC (moto's); the answer keeps `start`'s awareness.
    """
    aware = start.tzinfo is not None
    moment = _utc(start)
    age = (now or dt.datetime.now(dt.UTC)) - moment
    if age <= dt.timedelta(days=15):
        step = period if period in _SUBMINUTE_PERIODS else 60
    elif age <= dt.timedelta(days=63):
        step = 300
    else:
        step = 3600
    epoch = int(moment.timestamp())  # floors a positive epoch's fraction
    rounded = dt.datetime.fromtimestamp(epoch - epoch % step, dt.UTC)
    return rounded if aware else rounded.replace(tzinfo=None)
