"""GetMetricData and GetMetricStatistics round StartTime down as CloudWatch does: to the
whole minute (Period 60 or more), or to the period's division of a minute (1, 5, 10, 20, 30 s),
for a start less than 15 days ago; to 5 minutes up to 63 days ago; to the hour beyond."""

from __future__ import annotations

import datetime as dt

import pytest

from localcloud.metric_data import rounded_start
from tests.localcloud.polling import until

NAMESPACE = "Test/StartRounding"
NOW = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        (NOW - dt.timedelta(seconds=26), 60, "11:59:00"),  # 11:59:34
        (NOW - dt.timedelta(seconds=26), 300, "11:59:00"),
        (NOW - dt.timedelta(seconds=26), 30, "11:59:30"),
        (NOW - dt.timedelta(seconds=26), 20, "11:59:20"),
        (NOW - dt.timedelta(seconds=26), 10, "11:59:30"),
        (NOW - dt.timedelta(seconds=26), 5, "11:59:30"),
        (NOW - dt.timedelta(seconds=26, milliseconds=500), 1, "11:59:33"),
        (NOW - dt.timedelta(days=20, minutes=28, seconds=26), 60, "11:30:00"),  # 11:31:34
        (NOW - dt.timedelta(days=70, minutes=28, seconds=26), 60, "11:00:00"),
    ],
)
def test_the_rule(start: dt.datetime, period: int, expected: str) -> None:
    rounded = rounded_start(start, period, NOW)
    assert rounded.strftime("%H:%M:%S") == expected and rounded.date() == start.date()
    naive = rounded_start(start.replace(tzinfo=None), period, NOW)
    assert naive.tzinfo is None and naive == rounded.replace(tzinfo=None)


@pytest.fixture(scope="module")
def minute(cloud) -> dt.datetime:  # noqa: ANN001
    """A minute with datapoints at :13, :51 and :55 (readable once they have arrived)."""
    cw = cloud.client("cloudwatch")
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=2)
    cw.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": "Hits",
                "Timestamp": start + dt.timedelta(seconds=s),
                "Value": 1.0,
                "StorageResolution": 1,
            }
            for s in (13, 51, 55)
        ],
    )

    def arrived() -> bool:
        return statistics(cw, start, start + dt.timedelta(minutes=1), 60) == [(start, 3.0)]

    assert until(arrived)
    return start


def statistics(cw, start: dt.datetime, end: dt.datetime, period: int) -> list:  # noqa: ANN001
    points = cw.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Hits",
        StartTime=start,
        EndTime=end,
        Period=period,
        Statistics=["SampleCount"],
    )["Datapoints"]
    return sorted((p["Timestamp"], p["SampleCount"]) for p in points)


def query(period: int, stat: str = "SampleCount") -> dict:
    return {
        "Id": f"p{period}" if stat == "SampleCount" else stat,
        "MetricStat": {
            "Metric": {"Namespace": NAMESPACE, "MetricName": "Hits"},
            "Period": period,
            "Stat": stat,
        },
    }


def test_get_metric_data_rounds_the_start_to_each_querys_period(cloud, minute) -> None:  # noqa: ANN001
    start = minute + dt.timedelta(seconds=53)  # 40 s after the datapoint at :13
    answer = cloud.client("cloudwatch").get_metric_data(
        MetricDataQueries=[query(60), query(10), query(1)],
        StartTime=start,
        EndTime=minute + dt.timedelta(minutes=1),
        ScanBy="TimestampAscending",
    )
    results = {r["Id"]: (r["Timestamps"], r["Values"]) for r in answer["MetricDataResults"]}
    # Period 60: from the whole minute, so :13 counts.
    assert results["p60"] == ([minute], [3.0])
    # Period 10: from :50, so :51 and :55.
    assert results["p10"] == ([minute + dt.timedelta(seconds=50)], [2.0])
    # Period 1: from :53 itself; only :55.
    assert results["p1"] == ([minute + dt.timedelta(seconds=55)], [1.0])


def test_get_metric_data_with_one_period_and_a_percentile(cloud, minute) -> None:  # noqa: ANN001
    start = minute + dt.timedelta(seconds=53)
    answer = cloud.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            query(60),
            query(60, "p90"),
        ],
        StartTime=start,
        EndTime=minute + dt.timedelta(minutes=1),
    )
    results = {r["Id"]: (r["Timestamps"], r["Values"]) for r in answer["MetricDataResults"]}
    assert results == {"p60": ([minute], [3.0]), "p90": ([minute], [1.0])}


def test_get_metric_statistics_rounds_the_start_too(cloud, minute) -> None:  # noqa: ANN001
    cw = cloud.client("cloudwatch")
    start, end = minute + dt.timedelta(seconds=53), minute + dt.timedelta(minutes=1)
    assert statistics(cw, start, end, 60) == [(minute, 3.0)]
    assert statistics(cw, start, end, 10) == [(minute + dt.timedelta(seconds=50), 2.0)]
    assert statistics(cw, start, end, 1) == [(minute + dt.timedelta(seconds=55), 1.0)]
    # Periods count from the rounded start, not from the first datapoint.
    assert statistics(cw, minute, end, 30) == [
        (minute, 1.0),
        (minute + dt.timedelta(seconds=30), 2.0),
    ]
