"""What API Gateway records per request: the stage's access log line and AWS/ApiGateway metrics."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from localcloud import metrics, seams

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]*[A-Za-z0-9_])")


def access_log_line(log_format: str, context: dict[str, Any]) -> str:
    """The format with each `$context.x.y` replaced; an unknown or empty one is "-" as on AWS."""

    def value(match: re.Match) -> str:
        found: Any = context
        for name in match.group(1).split("."):
            found = found.get(name) if isinstance(found, dict) else None
        if found is None or found == "":
            return "-"
        return found if isinstance(found, str) else json.dumps(found)

    return _VARIABLE.sub(value, log_format)


def write_access_log(
    account_id: str, region: str, stage: dict[str, Any], context: dict[str, Any]
) -> None:
    settings = stage.get("accessLogSettings") or {}
    destination, log_format = settings.get("destinationArn"), settings.get("format")
    if not destination or not log_format or ":log-group:" not in destination:
        return
    group = destination.split(":log-group:", 1)[1].removesuffix(":*")
    seams.put_log_events(
        account_id,
        region,
        group,
        f"{context['apiId']}_{context['stage']}",  # one stream per stage
        [
            {
                "timestamp": int(time.time() * 1000),
                "message": access_log_line(log_format, context),
            }
        ],
    )


def put_metrics(
    account_id: str,
    region: str,
    api_name: str,
    stage: str,
    status: int,
    latency_ms: float,
    integration_latency_ms: float | None,
) -> None:
    values = {
        "Count": (1, "Count"),
        "4XXError": (1 if 400 <= status < 500 else 0, "Count"),
        "5XXError": (1 if status >= 500 else 0, "Count"),
        "Latency": (latency_ms, "Milliseconds"),
    }
    if integration_latency_ms is not None:
        values["IntegrationLatency"] = (integration_latency_ms, "Milliseconds")
    # AWS publishes each metric per API, and per API and stage.
    metrics.put("AWS/ApiGateway", {"ApiName": api_name}, values, account_id, region)
    metrics.put("AWS/ApiGateway", {"ApiName": api_name, "Stage": stage}, values, account_id, region)
