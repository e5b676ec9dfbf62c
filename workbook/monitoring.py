"""Shaping what CloudWatch answers into tables, for notebook 07.

The notebook makes the calls it teaches (FilterLogEvents, GetMetricData, DescribeAlarms,
DescribeAlarmHistory, GetMetricWidgetImage) in its own cells; these helpers only turn the
answers into pandas tables whose rows are sorted and columns chosen (the same state prints
the same way), and wait: on AWS, logs arrive seconds late, metrics a minute or two, and mail
when it is delivered.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from workbook import inboxes, mailbox, polling

PLATFORM_LINES = ("START RequestId:", "END RequestId:", "REPORT RequestId:", "INIT_START")
REPORT_FIELD = re.compile(
    r"(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration): ([\d.]+) (?:ms|MB)"
)


# -- logs -------------------------------------------------------------------------------------


def log_frame(answers: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The events of FilterLogEvents answers (one per page), oldest first: columns time
    (UTC), stream, message."""
    rows = [
        (event["timestamp"], event["logStreamName"], event["message"])
        for answer in answers
        for event in answer["events"]
    ]
    frame = pd.DataFrame(rows, columns=["time", "stream", "message"])
    frame["time"] = pd.to_datetime(frame["time"], unit="ms", utc=True)
    return frame.sort_values("time", kind="stable", ignore_index=True)


def line_kind(message: str) -> str:
    """What wrote a function's log line: `platform` (START, END and REPORT: Lambda itself),
    `metrics` (Embedded Metric Format: CloudWatch turns them into metrics), `log` (a JSON
    object the code wrote, as Powertools Logger does) or `text` (anything else printed)."""
    if message.startswith(PLATFORM_LINES):
        return "platform"
    document = _json_object(message)
    if document is None:
        return "text"
    return "metrics" if "_aws" in document else "log"


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def json_fields(frame: pd.DataFrame, column: str = "message") -> pd.DataFrame:
    """The rows of `frame` whose `column` holds a JSON object, with the object's fields as
    columns (nested ones as `details.name`) in place of `column`; other rows are left out."""
    parsed = frame[column].map(_json_object)
    kept = parsed.notna()
    fields = pd.json_normalize(parsed[kept].tolist())
    fields.index = frame.index[kept]
    return frame.loc[kept].drop(columns=[column]).join(fields)


def code_logs(lines: pd.DataFrame) -> pd.DataFrame:
    """The JSON lines the functions' code wrote (kind `log`), one column per field (level,
    message, order_id, xray_trace_id, ...). `time` is when the code logged the line
    (Powertools' `timestamp`), not when Lambda shipped it after the invocation."""
    logged = json_fields(lines[lines["kind"] == "log"].drop(columns="kind"))
    if "timestamp" in logged:
        logged["time"] = pd.to_datetime(
            logged.pop("timestamp"), format="%Y-%m-%d %H:%M:%S,%f%z", utc=True
        )
    return logged.sort_values("time", kind="stable")


def report_table(reports: pd.DataFrame) -> pd.DataFrame:
    """The REPORT lines of `reports` (columns function, message) as numbers, one row per
    invocation: function, duration_ms, billed_ms, memory_mb, max_used_mb, init_ms (empty
    unless it was a cold start: a new execution environment had to start) and cold_start."""
    rows = []
    for function, message in reports[["function", "message"]].itertuples(index=False):
        fields = {key: float(value) for key, value in REPORT_FIELD.findall(message)}
        rows.append(
            {
                "function": function,
                "duration_ms": fields["Duration"],
                "billed_ms": fields["Billed Duration"],
                "memory_mb": int(fields["Memory Size"]),
                "max_used_mb": int(fields["Max Memory Used"]),
                "init_ms": fields.get("Init Duration"),
                "cold_start": "Init Duration" in fields,
            }
        )
    columns = ["function", "duration_ms", "billed_ms", "memory_mb", "max_used_mb", "init_ms"]
    return pd.DataFrame(rows, columns=[*columns, "cold_start"])


def report_summary(reports: pd.DataFrame) -> pd.DataFrame:
    """Per function of a `report_table`: invocations, cold starts, median and slowest
    duration, mean init duration of the cold starts, memory size and the most used. Times
    and sizes are text with their unit ("12 ms", "96 MB"), as in REPORT lines."""
    grouped = reports.groupby("function")
    summary = pd.DataFrame(
        {
            "invocations": grouped.size(),
            "cold starts": grouped["cold_start"].sum().astype(int),
            "median": grouped["duration_ms"].median().map(_ms_text),
            "slowest": grouped["duration_ms"].max().map(_ms_text),
            "init (cold)": grouped["init_ms"].mean().map(_ms_text),
            "memory": grouped["memory_mb"].first().map("{} MB".format),
            "max used": grouped["max_used_mb"].max().map("{} MB".format),
        }
    )
    summary.index.name = None
    return summary


def _ms_text(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.0f} ms"


# -- metrics ----------------------------------------------------------------------------------


def next_second() -> datetime:
    """Wait for the start of the next whole second, and return it. GetMetricData rounds a
    range's start down to its period's boundary (the second for 1-second periods, the minute
    for 60 seconds or more): a range starting on a whole second, read with 1-second periods,
    takes in nothing from before."""
    now = datetime.now(UTC)
    time.sleep(1 - now.microsecond / 1e6)
    return now.replace(microsecond=0) + timedelta(seconds=1)


def period_after(moment: datetime, period: int) -> datetime:
    """Now, once the `period` seconds in progress (CloudWatch's periods: whole multiples of
    `period` since the epoch, so whole minutes for 60) began after `moment`, waiting for the
    next to begin if need be. A range read from it, rounded down to its period, takes in
    nothing from `moment` or before."""
    begins = (math.floor(moment.timestamp() / period) + 1) * period
    left = begins - time.time()
    if left > 0:
        time.sleep(left)
    return max(datetime.now(UTC), datetime.fromtimestamp(begins, UTC))


def widget_queries(widget: Mapping[str, Any], period: int | None = None) -> list[dict[str, Any]]:
    """The lines of a metric widget (its `metrics`, `stat` and `period`, as GetMetricWidgetImage
    and dashboards take them) as GetMetricData queries: Id, Label, MetricStat.

    "." stands for the entry at the same place in the line above; a line starting with "..."
    repeats the line above but for its last entries, which the rest of the line gives.
    `period`, if given, replaces every line's period (one long period: a total per line).
    """
    queries, previous = [], []
    for number, line in enumerate(widget["metrics"]):
        has_options = bool(line) and isinstance(line[-1], Mapping)
        options = line[-1] if has_options else {}
        parts = list(line[:-1] if has_options else line)
        if parts and parts[0] == "...":
            parts = previous[: len(previous) - (len(parts) - 1)] + parts[1:]
        parts = [previous[i] if part == "." else part for i, part in enumerate(parts)]
        previous = parts
        namespace, name, *pairs = parts
        dimensions = [{"Name": k, "Value": v} for k, v in zip(pairs[::2], pairs[1::2], strict=True)]
        metric = {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions}
        stat = {
            "Metric": metric,
            "Period": period or int(options.get("period", widget.get("period", 300))),
            "Stat": options.get("stat", widget.get("stat", "Average")),
        }
        label = options.get("label", " ".join([name, *pairs[1::2]]))
        queries.append({"Id": f"m{number}", "Label": label, "MetricStat": stat})
    return queries


def metric_sums(answer: Mapping[str, Any]) -> pd.Series:
    """Each result of a GetMetricData answer summed over its datapoints, by label, as whole
    numbers: how many requests, errors, orders (for statistics that add up: Sum,
    SampleCount)."""
    results = answer["MetricDataResults"]
    return pd.Series(
        [round(sum(result["Values"])) for result in results],
        index=[result["Label"] for result in results],
        dtype=int,
    )


def aws_time(moment: datetime) -> str:
    """`moment` as CloudWatch writes absolute times in widgets: 2026-12-01T16:32:29.000Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- alarms -----------------------------------------------------------------------------------


def alarm_history(items: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """DescribeAlarmHistory items (state updates) as a table, each alarm's oldest first:
    columns alarm, change ("OK to ALARM")."""
    rows = []
    for item in items:
        change = json.loads(item["HistoryData"])
        old, new = change["oldState"]["stateValue"], change["newState"]["stateValue"]
        rows.append((item["AlarmName"], item["Timestamp"], f"{old} to {new}"))
    frame = pd.DataFrame(rows, columns=["alarm", "time", "change"])
    frame = frame.sort_values(["alarm", "time"], kind="stable", ignore_index=True)
    return frame[["alarm", "change"]]


# -- mail -------------------------------------------------------------------------------------


def wait_for_mail(
    address: str, since: datetime, about: Sequence[str], count: int, *, timeout_s: float = 30
) -> pd.DataFrame:
    """The mail to `address` since `since` whose subject names one of `about`, once there are
    at least `count` such messages, oldest first. On AWS the mail goes to the real inbox:
    this says so and returns at once."""

    def arrived() -> pd.DataFrame | None:
        mail = inboxes.mail_since(address, since)
        mail = mail.loc[[any(name in subject for name in about) for subject in mail["subject"]]]
        return mail if len(mail) >= count or not _local() else None

    return polling.wait_for(arrived, timeout_s=timeout_s, what=f"{count} messages to {address}")


def show_email(address: str, since: datetime, subject: str) -> None:
    """Print the first message to `address` since `since` whose subject contains `subject`,
    whole, as the recipient reads it. On AWS: where to read it instead."""
    if not _local():
        print(f"On AWS this email went to {address}: read it in that inbox.")
        return
    mail = mailbox.inbox(address)
    mail = mail[(mail["time"] >= pd.Timestamp(since)) & mail["subject"].str.contains(subject)]
    if mail.empty:
        raise LookupError(f"no email to {address} about {subject!r} since {since}")
    first = mail.iloc[0]
    print(f"To: {first['to']}\nSubject: {first['subject']}\n\n{first['body'].strip()}")


def _local() -> bool:
    return bool(os.environ.get("AWS_ENDPOINT_URL"))
