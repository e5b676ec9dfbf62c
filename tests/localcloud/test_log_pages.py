"""FilterLogEvents answers one log stream's matches a page, with a nextToken while streams
are left (AWS: pages "might only be partially full, or even empty"), so a script that reads
only the first page fails here as it can on AWS."""

from __future__ import annotations

import inspect
import time

import pytest

from localcloud.seams.log_pages import _token, filter_log_page
from tests.localcloud.polling import until

REGION = "ap-southeast-2"  # FilterLogEvents quotas are per region: away from other tests


@pytest.fixture
def logs(cloud):  # noqa: ANN001, ANN201
    return cloud.client("logs", REGION, retries={"mode": "standard", "max_attempts": 10})


def put(logs, group: str, streams: dict[str, list[tuple[int, str]]]) -> None:  # noqa: ANN001
    logs.create_log_group(logGroupName=group)
    for stream, events in streams.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": t, "message": m} for t, m in events],
        )


def pages(logs, **request: object) -> list[dict]:  # noqa: ANN001
    return list(logs.get_paginator("filter_log_events").paginate(**request))


def every_event(logs, group: str, count: int, **request: object) -> list[dict]:  # noqa: ANN001
    """Every page's events, once all `count` have arrived (events are readable late)."""

    def read() -> list[dict]:
        found = [e for p in pages(logs, logGroupName=group, **request) for e in p["events"]]
        return found if len(found) == count else []

    return until(read)


def test_two_streams_answer_on_two_pages(logs) -> None:  # noqa: ANN001
    now = int(time.time() * 1000)
    group = "/pages/two"
    put(
        logs,
        group,
        {
            "b-later": [(now - 3000, "b1 hello"), (now - 1000, "b2 hello")],
            "a-earlier": [
                (now - 5000, "a1 hello"),
                (now - 4000, "a2 skip"),
                (now - 2000, "a3 hello"),
            ],
        },
    )
    events = every_event(logs, group, 5, interleaved=True)
    first = logs.filter_log_events(logGroupName=group)
    # The first page: only the stream with the earliest event, in time order, and a token.
    assert [e["message"] for e in first["events"]] == ["a1 hello", "a2 skip", "a3 hello"]
    assert {e["logStreamName"] for e in first["events"]} == {"a-earlier"}
    assert first.get("nextToken")
    assert first["searchedLogStreams"] == []  # AWS no longer fills it in
    second = logs.filter_log_events(logGroupName=group, nextToken=first["nextToken"])
    assert [e["message"] for e in second["events"]] == ["b1 hello", "b2 hello"]
    assert "nextToken" not in second
    # Every page read: every event, each stream's in time order.
    assert [e["message"] for e in events] == [
        "a1 hello",
        "a2 skip",
        "a3 hello",
        "b1 hello",
        "b2 hello",
    ]
    # A pattern and a window apply before pages are cut; streams come in the order of their
    # earliest match (b1 before a3), each stream's events on its own page.
    matching = [
        e["message"]
        for p in pages(logs, logGroupName=group, filterPattern="hello", startTime=now - 4500)
        for e in p["events"]
    ]
    assert matching == ["b1 hello", "b2 hello", "a3 hello"]


def test_one_stream_answers_on_one_page(logs) -> None:  # noqa: ANN001
    now = int(time.time() * 1000)
    group = "/pages/one"
    put(logs, group, {"only": [(now - 3000 + i, f"line {i}") for i in range(3)]})
    every_event(logs, group, 3)
    answered = pages(logs, logGroupName=group)
    assert len(answered) == 1
    assert [e["message"] for e in answered[0]["events"]] == ["line 0", "line 1", "line 2"]
    assert "nextToken" not in answered[0]


def test_limit_is_honoured_within_a_stream(logs) -> None:  # noqa: ANN001
    now = int(time.time() * 1000)
    group = "/pages/limit"
    put(
        logs,
        group,
        {"s1": [(now - 5000 + i, f"s1 {i}") for i in range(3)], "s2": [(now - 1000, "s2 0")]},
    )
    every_event(logs, group, 4)
    answered = pages(logs, logGroupName=group, PaginationConfig={"PageSize": 2})
    assert [[e["message"] for e in p["events"]] for p in answered] == [
        ["s1 0", "s1 1"],
        ["s1 2"],
        ["s2 0"],
    ]
    only = pages(logs, logGroupName=group, logStreamNames=["s2"])
    assert [[e["message"] for e in p["events"]] for p in only] == [["s2 0"]]


def test_a_token_of_another_group_gives_an_empty_page(logs) -> None:  # noqa: ANN001
    group = "/pages/token"
    put(logs, group, {"s": [(int(time.time() * 1000), "x")]})
    answer = logs.filter_log_events(logGroupName=group, nextToken=_token("/other", 0, "s", 0))
    assert answer["events"] == [] and "nextToken" not in answer


def test_the_seam_matches_moto() -> None:
    """moto's backend hands LogGroup.filter_log_events the parameters filter_log_page takes."""
    from moto.logs.models import LogGroup, LogsBackend, LogStream

    ours = list(inspect.signature(filter_log_page).parameters)[1:]
    model = getattr(LogGroup.filter_log_events, "localcloud_original", LogGroup.filter_log_events)
    assert list(inspect.signature(model).parameters)[1:] == ours
    backend = inspect.getsource(
        getattr(LogsBackend.filter_log_events, "localcloud_original", LogsBackend.filter_log_events)
    )
    assert "log_group.filter_log_events(" in backend
    stream = getattr(
        LogStream.filter_log_events, "localcloud_original", LogStream.filter_log_events
    )
    assert list(inspect.signature(stream).parameters) == [
        "self",
        "start_time",
        "end_time",
        "filter_pattern",
    ]
