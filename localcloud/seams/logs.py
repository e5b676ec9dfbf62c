"""CloudWatch Logs: events the platform itself writes (Lambda, Step Functions, API Gateway)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.exceptions import ServiceException
from moto.logs.models import logs_backends

from localcloud.seams.patching import replace


def put_log_events(
    account_id: str, region: str, group: str, stream: str, events: list[dict[str, Any]]
) -> None:
    """Append events ({"timestamp": ms, "message": str}) to a stream, creating both as needed."""
    backend = logs_backends[account_id][region]
    backend.ensure_log_group(group)
    backend.ensure_log_stream(group, stream)
    backend.put_log_events(group, stream, events)


class _Throttled(ServiceException):
    # Defined outside moto's packages: moto looks an exception of its own up in the model of
    # the service its module is named after, and `moto.core` has none.
    code = "ThrottlingException"
    message = "Rate exceeded"


def install_logs_read_quotas(admit: Callable[[str, str, str], bool]) -> None:
    """Answer ThrottlingException ("Rate exceeded", HTTP 400) when `admit(account, region,
    action)` refuses a CloudWatch Logs call; moto has no request quotas.

    The check sits on LogsResponse's `call_action` (inherited from BaseResponse), in front of
    every action's own method, so it composes with replacements of those methods.
    """
    from moto.core.responses import ActionResult
    from moto.logs.responses import LogsResponse

    def build(model: Callable[..., Any]) -> Callable[..., Any]:
        def call_action(self: Any) -> Any:
            if admit(self.current_account, self.region, self._get_action()):
                return model(self)
            # The code is in the Logs service model, so moto's serializer answers it in the
            # protocol's format with the model's status (400).
            return self.serialized(ActionResult(_Throttled()))

        return call_action

    replace(LogsResponse, "call_action", build)


def install_log_arrival(arrived: Callable[[int], bool]) -> None:
    """GetLogEvents and FilterLogEvents return only the events `arrived(ingestion time in ms)`
    accepts; moto returns an event the instant it is put.

    Both read a stream's `events` list: each gets a shallow copy of the stream that holds
    only the events that have arrived, so moto's own paging and filtering stay as they are.
    """
    import copy

    from moto.logs.models import LogStream

    def arrived_only(stream: Any) -> Any:
        view = copy.copy(stream)
        view.events = [event for event in stream.events if arrived(event.ingestion_time)]
        return view

    def get_log_events_of(model: Callable[..., Any]) -> Callable[..., Any]:
        def get_log_events(self: Any, *args: Any, **kwargs: Any) -> Any:
            return model(arrived_only(self), *args, **kwargs)

        return get_log_events

    def filter_log_events_of(model: Callable[..., Any]) -> Callable[..., Any]:
        def filter_log_events(self: Any, *args: Any, **kwargs: Any) -> Any:
            return model(arrived_only(self), *args, **kwargs)

        return filter_log_events

    replace(LogStream, "get_log_events", get_log_events_of)
    replace(LogStream, "filter_log_events", filter_log_events_of)
