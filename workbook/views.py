"""pandas views for notebooks: a table's items, functions' REPORT lines, an execution's history.

Each view sorts its rows and picks its columns, so the same state always prints the same way.
`scan_frame` reads the table itself (every page of a Scan); the other views only format answers
the notebook's own calls got.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import boto3
import pandas as pd

REPORT_FIELD = re.compile(r"([A-Za-z][A-Za-z ]*?): ([\d.]+) (ms|MB)")


def scan_frame(table_name: str, **scan: Any) -> pd.DataFrame:
    """Every item of a table (all pages of a Scan, with optional Scan arguments such as
    FilterExpression), key columns first, sorted by the key."""
    table = boto3.resource("dynamodb").Table(table_name)
    keys = [k["AttributeName"] for k in table.key_schema]
    items: list[dict[str, Any]] = []
    while True:
        page = table.scan(**scan)
        items += [{k: _plain(v) for k, v in item.items()} for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    frame = pd.DataFrame(items)
    if frame.empty:
        return pd.DataFrame(columns=keys)
    others = sorted(c for c in frame.columns if c not in keys)
    return frame[keys + others].sort_values(keys, ignore_index=True)


def _plain(value: Any) -> Any:
    """DynamoDB numbers arrive as Decimal; show whole numbers as int."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def report_frame(reports: Mapping[str, str]) -> pd.DataFrame:
    """One row per function from its REPORT line (`{function: line}`), in the given order."""
    return pd.DataFrame(
        [{"function": name, **_report_fields(line)} for name, line in reports.items()]
    )


def _report_fields(line: str) -> dict[str, Any]:
    """`Duration: 1.2 ms  Billed Duration: 2 ms  Memory Size: 256 MB  Max Memory Used: 80 MB`.

    Init Duration is left out: it appears only when the invocation started a new execution
    environment (a cold start), which depends on what ran before.
    """
    fields = {name: f"{value} {unit}" for name, value, unit in REPORT_FIELD.findall(line)}
    return {
        "memory (MB)": int(fields["Memory Size"].split()[0]),
        "duration": fields["Duration"],
        "billed": fields["Billed Duration"],
        "max used": fields["Max Memory Used"],
    }


def history_frame(events: list[dict[str, Any]]) -> pd.DataFrame:
    """A Standard execution's history (GetExecutionHistory events) as one row per event:
    its id, type, the state it belongs to and the detail worth reading."""
    rows = []
    entered: dict[int, str] = {}  # event id -> name of the state it happened in
    for event in sorted(events, key=lambda e: e["id"]):
        state = _state_name(event)
        if state is None and not event["type"].startswith("Execution"):
            state = entered.get(event.get("previousEventId", 0), "")  # a task's events
        entered[event["id"]] = state = state or ""
        rows.append(
            {"id": event["id"], "type": event["type"], "state": state, "detail": _detail(event)}
        )
    return pd.DataFrame(rows, columns=["id", "type", "state", "detail"])


def _state_name(event: dict[str, Any]) -> str | None:
    for key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
        if key in event:
            return event[key]["name"]
    return None


def _detail(event: dict[str, Any]) -> str:
    details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
    if "error" in details:
        return details["error"]
    if "resource" in details:  # a task: which service API it calls
        return f"{details.get('resourceType', '')}:{details['resource']}"
    return ""
