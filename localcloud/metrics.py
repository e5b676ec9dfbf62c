"""Metrics the platform itself records, as AWS services put them into CloudWatch."""

from __future__ import annotations

from localcloud import seams


def put(
    namespace: str,
    dimensions: dict[str, str],
    values: dict[str, tuple[float, str]],
    account_id: str = seams.ACCOUNT_ID,
    region: str = "us-east-1",
) -> None:
    """Record one datapoint per metric: `values` maps a metric name to (value, unit)."""
    dims = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    seams.put_metric_data(
        account_id,
        region,
        namespace,
        [
            {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dims}
            for name, (value, unit) in values.items()
        ],
    )
