"""GetMetricData with percentiles, which moto alone answers with a 500."""

from __future__ import annotations

import datetime as dt

import pytest

from localcloud.metric_data import is_percentile
from tests.localcloud.polling import until

NAMESPACE = "Test/Percentiles"


@pytest.mark.parametrize(
    ("statistic", "expected"),
    [("p90", True), ("p99.9", True), ("p0", True), ("p100", True), ("p", False)]
    + [("Average", False), ("p101", False), ("tm90", False), ("P90", False)],
)
def test_percentile_statistics(statistic: str, expected: bool) -> None:
    assert is_percentile(statistic) is expected


def query(query_id: str, stat: str, metric: str = "Latency", **extra: object) -> dict:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": metric,
                "Dimensions": [{"Name": "Api", "Value": "orders"}],
            },
            "Period": 60,
            "Stat": stat,
        },
        **extra,
    }


@pytest.fixture(scope="module")
def minute(cloud) -> dt.datetime:  # noqa: ANN001
    """The start of a minute holding Latency 1..100 (and 1000 under other dimensions)."""
    cw = cloud.client("cloudwatch")
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=2)
    at = start + dt.timedelta(seconds=30)
    api = [{"Name": "Api", "Value": "orders"}]
    cw.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {"MetricName": "Latency", "Dimensions": api, "Timestamp": at, "Value": float(v)}
            for v in range(1, 101)
        ]
        + [
            {
                "MetricName": "Latency",
                "Dimensions": [{"Name": "Api", "Value": "other"}],
                "Timestamp": at,
                "Value": 1000.0,
            },
            {
                "MetricName": "Summed",
                "Dimensions": api,
                "Timestamp": at,
                "StatisticValues": {"SampleCount": 2, "Sum": 3, "Minimum": 1, "Maximum": 2},
            },
        ],
    )

    def arrived() -> bool:  # datapoints are readable a moment after PutMetricData
        points = cw.get_metric_statistics(
            Namespace=NAMESPACE,
            MetricName="Latency",
            Dimensions=api,
            StartTime=start,
            EndTime=start + dt.timedelta(minutes=1),
            Period=60,
            Statistics=["SampleCount"],
        )["Datapoints"]
        return [p["SampleCount"] for p in points] == [100.0]

    assert until(arrived)
    return start


def test_percentiles_are_nearest_rank_over_the_period(cloud, minute) -> None:  # noqa: ANN001
    answer = cloud.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            query("p90", "p90", Label="ninety"),
            query("p50", "p50"),
            query("p999", "p99.9"),
            query("max", "Maximum"),
        ],
        StartTime=minute,
        EndTime=minute + dt.timedelta(minutes=1),
    )
    results = {r["Id"]: r for r in answer["MetricDataResults"]}
    assert results["p90"]["Values"] == [90.0] and results["p90"]["Label"] == "ninety"
    assert results["p50"]["Values"] == [50.0] and results["p50"]["Label"] == "Latency p50"
    assert results["p999"]["Values"] == [100.0]
    assert results["max"]["Values"] == [100.0]  # moto's own statistics still answer
    assert results["p90"]["Timestamps"] == results["max"]["Timestamps"]
    assert results["p90"]["Timestamps"][0] == minute


def test_statistic_sets_have_no_percentile(cloud, minute) -> None:  # noqa: ANN001
    answer = cloud.client("cloudwatch").get_metric_data(
        MetricDataQueries=[query("p90", "p90", "Summed"), query("sum", "Sum", "Summed")],
        StartTime=minute,
        EndTime=minute + dt.timedelta(minutes=1),
    )
    results = {r["Id"]: r for r in answer["MetricDataResults"]}
    assert results["p90"]["Values"] == [] and results["sum"]["Values"] == [3.0]
