"""CloudWatch Logs: events the platform itself writes (Lambda, Step Functions, API Gateway)."""

from __future__ import annotations

from typing import Any

from moto.logs.models import logs_backends


def put_log_events(
    account_id: str, region: str, group: str, stream: str, events: list[dict[str, Any]]
) -> None:
    """Append events ({"timestamp": ms, "message": str}) to a stream, creating both as needed."""
    backend = logs_backends[account_id][region]
    backend.ensure_log_group(group)
    backend.ensure_log_stream(group, stream)
    backend.put_log_events(group, stream, events)
