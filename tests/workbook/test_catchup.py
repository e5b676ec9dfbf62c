"""Catch-up on the test session's local cloud: missing steps are found and run headless."""

from __future__ import annotations

import pytest

from workbook import catchup
from workbook.session import WorkbookSetupError, open_session


def test_a_fresh_prefix_misses_every_step(on_cloud: str) -> None:
    session = open_session(echo=False)
    assert session.prefix == on_cloud
    missing = catchup.missing_steps(session, before="06")
    assert [step.number for step in missing] == ["01", "02", "03", "04", "05"]
    assert [step.number for step in catchup.missing_steps(session, before="03")] == ["01", "02"]


def test_report_names_the_notebooks(on_cloud: str, capsys: pytest.CaptureFixture[str]) -> None:
    catchup.report(open_session(echo=False), before="02")
    assert capsys.readouterr().out == (
        "Missing the tables: run 01-create-the-tables.ipynb (the next cell can do it for you).\n"
    )


def test_catch_up_runs_the_missing_notebook(on_cloud: str) -> None:
    session = open_session(echo=False)
    catchup.catch_up(session, catchup.missing_steps(session, before="02"))
    assert catchup.missing_steps(session, before="02") == []
    assert [step.number for step in catchup.missing_steps(session, before="03")] == ["02"]


def test_a_stopped_cloud_is_reported_with_the_command_that_starts_it(
    on_cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(WorkbookSetupError, match="make cloud"):
        open_session(echo=False)


def test_a_bad_prefix_is_reported(on_cloud: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBOOK_PREFIX", "9-starts-with-a-digit")
    with pytest.raises(WorkbookSetupError, match="WORKBOOK_PREFIX"):
        open_session(echo=False)


def test_catch_up_stops_before_a_notebook_that_needs_the_learner_to_confirm_email(
    on_cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = open_session(echo=False)
    monkeypatch.setattr(catchup, "cloud_confirms_email", lambda _session: False)
    topic = [step for step in catchup.STEPS if step.number == "03"]
    with pytest.raises(WorkbookSetupError, match="03-create-the-topic.ipynb subscribes email"):
        catchup.catch_up(session, topic)
    assert [step.number for step in catchup.missing_steps(session, before="04")] == [
        "01",
        "02",
        "03",
    ]
