"""Logs and metrics arrive late: readers see an event or datapoint only a while after its put.

On AWS a log event put with PutLogEvents (or written by Lambda) shows in GetLogEvents and
FilterLogEvents seconds later, and a metric datapoint in GetMetricData/GetMetricStatistics
(and to alarms) later still, so code that reads right after writing must poll. The delays
come from `localcloud.realism` (`log_arrival_s`, `metric_arrival_s`).

https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
"""

from __future__ import annotations

import time

from localcloud import realism, seams


def log_event_arrived(ingestion_ms: int) -> bool:
    """Whether an event ingested at `ingestion_ms` (epoch ms) is readable yet."""
    return time.time() * 1000 - ingestion_ms >= realism.delays().log_arrival_s * 1000


def datapoint_arrived(put_at: float) -> bool:
    """Whether a datapoint put at `put_at` (epoch s) is readable yet."""
    return time.time() - put_at >= realism.delays().metric_arrival_s


def install() -> None:
    seams.install_log_arrival(log_event_arrived)
    seams.install_metric_arrival(datapoint_arrived)
