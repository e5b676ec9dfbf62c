"""workbook.polling: waits whose pauses grow, and reads that ride out AWS's throttling.

Most tests run on a fake clock (no real sleeping); the last one reads a strict local cloud,
which throttles FilterLogEvents at AWS's 5 requests a second.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from workbook import monitoring, polling


class FakeTime:
    """Stands in for the `time` module in workbook.polling: sleeping only moves the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(polling, "time", fake)
    return fake


def throttled(operation: str = "FilterLogEvents") -> ClientError:
    return ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation
    )


def answers(*results: Any) -> Callable[[], Any]:
    """A check that gives `results` in turn, raising the exceptions among them."""
    remaining: Iterator[Any] = iter(results)

    def check() -> Any:
        result = next(remaining)
        if isinstance(result, BaseException):
            raise result
        return result

    return check


def test_pauses_start_at_a_second_grow_and_are_capped() -> None:
    pauses = polling.intervals()
    first = [next(pauses) for _ in range(9)]
    assert first[:4] == [1.0, 1.5, 2.25, 3.375]
    assert first == sorted(first)
    assert first[-1] == polling.MAX_POLL_S == 10.0


def test_a_wait_looks_at_once_then_ever_less_often(clock: FakeTime) -> None:
    looks: list[float] = []

    def never() -> None:
        looks.append(clock.now)

    with pytest.raises(TimeoutError, match="the REPORT line did not happen within 120 s"):
        polling.wait_for(never, timeout_s=120, what="the REPORT line")
    assert looks[0] == 1000.0  # the first look does not wait
    gaps = [later - earlier for earlier, later in zip(looks, looks[1:], strict=False)]
    assert gaps[:3] == [1.0, 1.5, 2.25]
    assert all(earlier <= later for earlier, later in zip(gaps, gaps[1:-1], strict=False))
    assert max(gaps) == 10.0
    assert looks[-1] == 1120.0  # one last look at the deadline
    # Never more than one look a second: a whole class stays near FilterLogEvents' quota.
    for start in looks:
        assert sum(start <= look < start + 1 for look in looks) <= 1
    assert len(looks) < 120 / 3  # 0.25 s polling would have made 480


def test_a_wait_returns_the_first_answer(clock: FakeTime) -> None:
    assert polling.wait_for(answers(None, None, "ready")) == "ready"
    assert clock.sleeps == [1.0, 1.5]


def test_a_throttled_look_counts_as_not_yet(clock: FakeTime) -> None:
    check = answers(throttled(), None, throttled(), "ready")
    assert polling.wait_for(check, timeout_s=60) == "ready"
    assert clock.sleeps == [1.0, 1.5, 2.25]  # throttling backs off like any "not yet"


def test_other_errors_end_a_wait(clock: FakeTime) -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Get")
    with pytest.raises(ClientError, match="AccessDenied"):
        polling.wait_for(answers(None, denied))


def test_a_fixed_pace_when_asked(clock: FakeTime) -> None:
    with pytest.raises(TimeoutError):
        polling.wait_for(lambda: None, timeout_s=10, poll_s=2, max_poll_s=2)
    assert clock.sleeps == [2.0] * 5


def test_a_throttled_read_is_retried_with_growing_jittered_pauses(
    clock: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        drawn.append((low, high))
        return high

    monkeypatch.setattr(polling.random, "uniform", uniform)
    read = answers(throttled(), throttled(), throttled(), {"events": []})
    assert polling.ride_out_throttling(read) == {"events": []}
    assert drawn == [(0.5, 1.0), (0.75, 1.5), (1.125, 2.25)]
    assert clock.sleeps == [1.0, 1.5, 2.25]


def test_a_read_throttled_for_too_long_fails_with_the_throttling(clock: FakeTime) -> None:
    def always() -> None:
        raise throttled()

    with pytest.raises(ClientError, match="Rate exceeded"):
        polling.ride_out_throttling(always, timeout_s=30)
    assert 30 <= sum(clock.sleeps) <= 40


def test_pages_follow_next_token_through_throttling(clock: FakeTime) -> None:
    class Logs:
        def __init__(self) -> None:
            self.calls: list[dict[str, Any]] = []
            self.pages = answers({"events": [1], "nextToken": "a"}, throttled(), {"events": [2]})

        def filter_log_events(self, **query: Any) -> dict[str, Any]:
            self.calls.append(query)
            return self.pages()

    logs = Logs()
    pages = list(polling.every_page(logs.filter_log_events, logGroupName="g", startTime=5))
    assert [page["events"] for page in pages] == [[1], [2]]
    assert logs.calls == [
        {"logGroupName": "g", "startTime": 5},
        {"logGroupName": "g", "startTime": 5, "nextToken": "a"},
        {"logGroupName": "g", "startTime": 5, "nextToken": "a"},  # the throttled one, again
    ]


# -- on the strict local cloud ------------------------------------------------------------------


def put_lines(group: str, *messages: str) -> datetime:
    """Write `messages` to a new stream of `group` (made if missing); returns their time."""
    logs = boto3.client("logs")
    with suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    stream = uuid.uuid4().hex
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = datetime.now(UTC)
    stamp = int(now.timestamp() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": stamp, "message": message} for message in messages],
    )
    return now


def test_a_class_reading_logs_at_once_is_throttled_yet_every_read_completes(
    on_cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve notebooks read the same account's logs at the same moment, far over the quota.
    With boto3's own retries off, every throttled call reaches the helper, which rides it out."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    group = f"/workbook/{on_cloud}/class"
    written = put_lines(group, "hello")
    throttles: list[str] = []
    noticed = polling.is_throttling

    def counting(error: BaseException) -> bool:
        if noticed(error):
            throttles.append(type(error).__name__)
            return True
        return False

    monkeypatch.setattr(polling, "is_throttling", counting)
    since_ms = int((written - timedelta(seconds=1)).timestamp() * 1000)
    logs = boto3.client("logs")

    def one_learner() -> list[str]:
        def lines() -> list[str] | None:
            pages = polling.every_page(
                logs.filter_log_events, logGroupName=group, startTime=since_ms
            )
            return monitoring.log_frame(pages)["message"].tolist() or None

        return polling.wait_for(lines)

    with ThreadPoolExecutor(max_workers=12) as pool:
        read = list(pool.map(lambda _: one_learner(), range(12)))
    assert read == [["hello"]] * 12
    assert throttles  # the quota was really met, and ridden out
