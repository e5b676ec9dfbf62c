"""FilterLogEvents pages as AWS may cut them: one log stream's events a page.

AWS: "A returned page might only be partially full, or even empty ... Partially full or empty
pages don't necessarily mean that pagination is finished. If the results include a nextToken,
there might be more log events available"; `limit` "only guarantees that a single page doesn't
return more log events than the specified limit, but it might return fewer events"
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html).
moto answers every match on one page, so a script that reads only the first page passes here
and misses events there.

The rule here, deterministic: each page holds the matching events of one log stream, sorted
by timestamp (then the order they were put in); the streams come in the order of their
earliest matching event (then by name); a stream with more matches than `limit` (10,000 when
none is given) takes several pages. While any stream is left, the answer carries a
nextToken. A group with one matching stream answers on one page, as before. `interleaved` is
ignored, as AWS ignores it since 2019. `searchedLogStreams` is empty, as AWS answers it since
2020. A token that does not parse gives an empty page without a token (moto's answer).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from localcloud.seams.patching import replace

DEFAULT_LIMIT = 10_000  # AWS: up to 10,000 events (or 1 MB) a page


def _token(group: str, first: int, stream: str, offset: int) -> str:
    raw = json.dumps([group, first, stream, offset], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _untoken(token: str, group: str) -> tuple[int, str, int] | None:
    """(earliest match, stream, events already given) from a token of this group, or None."""
    try:
        name, first, stream, offset = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        return None
    if name != group or not isinstance(first, int) or not isinstance(offset, int):
        return None
    return first, str(stream), offset


def filter_log_page(
    group: Any,
    log_group_name: str,
    log_stream_names: list[str],
    start_time: int,
    end_time: int,
    limit: int | None,
    next_token: str | None,
    filter_pattern: str,
    interleaved: bool,  # noqa: ARG001 - ignored, as AWS does
) -> tuple[list[dict[str, Any]], str | None, list[dict[str, Any]]]:
    """One page of `LogGroup.filter_log_events`, with moto's parameters and answer shape."""
    limit = limit or DEFAULT_LIMIT
    matched = []  # (earliest matching timestamp, stream name, its matching events)
    for name, stream in list(group.streams.items()):
        if log_stream_names and name not in log_stream_names:
            continue
        # moto's per-stream filter: time window, pattern, sorted by timestamp (stable).
        events = stream.filter_log_events(start_time, end_time, filter_pattern)
        if events:
            matched.append((events[0]["timestamp"], name, events))
    matched.sort(key=lambda found: (found[0], found[1]))
    at, offset = 0, 0
    if next_token:
        resume = _untoken(next_token, log_group_name)
        if resume is None:
            return [], None, []
        first, name, offset = resume
        # The first stream at or after the token's; its own events resume at the offset.
        while at < len(matched) and (matched[at][0], matched[at][1]) < (first, name):
            at += 1
        if at < len(matched) and (matched[at][0], matched[at][1]) != (first, name):
            offset = 0
        elif at < len(matched) and offset >= len(matched[at][2]):
            at, offset = at + 1, 0
    if at >= len(matched):
        return [], None, []
    first, name, events = matched[at]
    page = events[offset : offset + limit]
    token = None
    if offset + limit < len(events):
        token = _token(log_group_name, first, name, offset + limit)
    elif at + 1 < len(matched):
        following = matched[at + 1]
        token = _token(log_group_name, following[0], following[1], 0)
    return page, token, []


def install_filter_log_pages() -> None:
    """FilterLogEvents answers one log stream's matches a page (see the module's docstring).

    Replaces `LogGroup.filter_log_events`, the group-level pager; each stream is still read
    through `LogStream.filter_log_events`, so late arrival and JSON filter patterns apply.
    """
    from moto.logs.models import LogGroup

    def build(_model: Any) -> Any:
        def filter_log_events(self: Any, *args: Any, **kwargs: Any) -> Any:
            return filter_log_page(self, *args, **kwargs)

        return filter_log_events

    replace(LogGroup, "filter_log_events", build)
