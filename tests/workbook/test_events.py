"""Reading a function's log: the lines Powertools Logger wrote, among everything else."""

from __future__ import annotations

import json

from workbook.events import logger_lines

ERROR = {"level": "ERROR", "message": "Order workflow did not succeed", "correlation_id": "abc"}
METRICS = {"_aws": {"CloudWatchMetrics": []}, "service": "order_service", "OrdersRejected": [1.0]}


def event(message: str) -> dict[str, object]:
    return {"timestamp": 0, "message": message, "logStreamName": "stream"}


def test_only_the_lines_logger_wrote_are_kept_parsed_and_in_order() -> None:
    events = [
        event("START RequestId: 1 Version: $LATEST"),
        event(json.dumps({"level": "INFO", "message": "first"})),
        event(json.dumps(ERROR)),
        event(json.dumps(METRICS)),  # Powertools Metrics: JSON, but no level
        event("[ERROR] ValueError: invalid literal for int() with base 10: 'plenty'"),
        event("7"),  # JSON, but not an object
        event("END RequestId: 1"),
        event("REPORT RequestId: 1\tDuration: 2.00 ms"),
    ]
    assert logger_lines(events) == [{"level": "INFO", "message": "first"}, ERROR]


def test_no_events_no_lines() -> None:
    assert logger_lines([]) == []
